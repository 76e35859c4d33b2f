import { createHash, randomBytes } from 'node:crypto';
import { CREDENTIAL_PREFIX, type CredentialKind, DISPLAY_PREFIX_LENGTH } from '@reslab/contracts';

/**
 * Tokens are 32 random bytes (256 bits; the issue asks ≥128 for share links) in base64url,
 * behind a prefix naming their kind, so a leaked one is recognisable (as GitHub's `ghp_`)
 * and a credential of one kind can never be mistaken for another.
 */
export function newToken(kind: CredentialKind): string {
  return `${CREDENTIAL_PREFIX[kind]}${randomBytes(32).toString('base64url')}`;
}

/** What the database keeps: SHA-256, hex. Sufficient for 256-bit random tokens (see identity.ts). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The part shown in lists and audit entries: the kind and 8 characters, 48 bits, useless to an attacker. */
export function displayPrefix(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}

export function kindOf(token: string): CredentialKind | null {
  for (const [kind, prefix] of Object.entries(CREDENTIAL_PREFIX)) {
    if (token.startsWith(prefix)) return kind as CredentialKind;
  }
  return null;
}
