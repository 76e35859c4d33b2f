import { HttpException, HttpStatus } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Failed sign-ins, counted per account and per address (OWASP's authentication
 * cheat sheet: throttle both, so neither one account nor one host can be
 * guessed at speed). 5 failures per account and 20 per address in 15 minutes;
 * a success clears the account's count. Counted in this process's memory: with
 * several orchestrator replicas each allows as much, which still bounds a
 * guesser to a few hundred tries a day.
 */
const WINDOW_SECONDS = 15 * 60;
const perAccount = new RateLimiterMemory({ keyPrefix: 'login-account', points: 5, duration: WINDOW_SECONDS });
const perAddress = new RateLimiterMemory({ keyPrefix: 'login-address', points: 20, duration: WINDOW_SECONDS });

function tooMany(res: RateLimiterRes): HttpException {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new HttpException(
    {
      statusCode: 429,
      error: 'Too Many Requests',
      message: `too many failed sign-ins; try again in ${seconds} s`,
      retryAfterSeconds: seconds,
    },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}

/** Throws 429 when either count is spent, before the password is even checked. */
export async function checkLoginAllowed(email: string, address: string): Promise<void> {
  for (const [limiter, key] of [
    [perAccount, email],
    [perAddress, address],
  ] as const) {
    const res = await limiter.get(key);
    if (res && res.remainingPoints <= 0) throw tooMany(res);
  }
}

export async function recordLoginFailure(email: string, address: string): Promise<void> {
  await Promise.all([perAccount.penalty(email, 1), perAddress.penalty(address, 1)]);
}

export async function recordLoginSuccess(email: string): Promise<void> {
  await perAccount.delete(email);
}
