import { createHash } from 'node:crypto';
import { HttpException, HttpStatus, Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { logger } from '../logger.js';

const WINDOW_SECONDS = 15 * 60;
/** Created by the migration 20261201010000_replica_shared_state (model LoginLimit), so the library creates nothing. */
const TABLE = 'login_limits';

/**
 * The store's key column is VARCHAR(255) (the library's DDL) and an e-mail may be 254 characters before its prefix:
 * counted under a SHA-256 of the e-mail, which also keeps addresses out of the table.
 */
const accountKey = (email: string) => createHash('sha256').update(email).digest('hex');

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

/**
 * Failed sign-ins, counted per account and per address (OWASP's authentication
 * cheat sheet: throttle both, so neither one account nor one host can be
 * guessed at speed). 5 failures per account and 20 per address in 15 minutes;
 * a success clears the account's count. Counted in Postgres (rate-limiter-flexible's
 * store, table login_limits), so several orchestrator replicas share one count:
 * a guesser who spreads tries over replicas gets no more of them.
 */
@Injectable()
export class LoginLimiter implements OnModuleDestroy {
  private readonly pool: pg.Pool;
  private readonly perAccount: RateLimiterPostgres;
  private readonly perAddress: RateLimiterPostgres;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // Sign-ins are rare; two connections of its own keep the limiter off Prisma's pool.
    this.pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
    this.pool.on('error', (error) => logger.warn({ err: error.message }, 'login limiter connection lost'));
    const store = { storeClient: this.pool, storeType: 'pool', tableName: TABLE, tableCreated: true };
    this.perAccount = new RateLimiterPostgres({
      ...store,
      keyPrefix: 'login-account',
      points: 5,
      duration: WINDOW_SECONDS,
    });
    this.perAddress = new RateLimiterPostgres({
      ...store,
      keyPrefix: 'login-address',
      points: 20,
      duration: WINDOW_SECONDS,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }

  /** Throws 429 when either count is spent, before the password is even checked. */
  async check(email: string, address: string): Promise<void> {
    for (const [limiter, key] of [
      [this.perAccount, accountKey(email)],
      [this.perAddress, address],
    ] as const) {
      const res = await limiter.get(key);
      if (res && res.remainingPoints <= 0) throw tooMany(res);
    }
  }

  async recordFailure(email: string, address: string): Promise<void> {
    await Promise.all([this.perAccount.penalty(accountKey(email), 1), this.perAddress.penalty(address, 1)]);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.perAccount.delete(accountKey(email));
  }
}
