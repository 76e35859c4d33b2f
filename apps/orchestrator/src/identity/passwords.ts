import argon2 from 'argon2';

/**
 * argon2id with the library's defaults (m = 64 MiB, t = 3, p = 4), above
 * RFC 9106's second recommended option (m = 64 MiB, t = 3) and OWASP's
 * minimum (m = 19 MiB, t = 2). About 100 ms per hash on this machine.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/** A valid hash of a random password: verified against when the account does not exist, so timing does not tell. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(`decoy-${Math.random()}`);
  return decoy;
}
