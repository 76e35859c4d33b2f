import { DISPLAY_PREFIX_LENGTH } from '@reslab/contracts';
import { CliError, UsageError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Accepts a full id, or the prefix `runs ls` and `sweep show` print. A full
 * UUID goes to the API as is; a prefix is matched against `candidates`.
 */
export async function resolveId(what: string, given: string, candidates: () => Promise<{ id: string }[]>) {
  if (UUID.test(given)) return given.toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/i.test(given))
    throw new UsageError(`${what} id ${given}: expected a UUID or a prefix of one`);
  const matches = (await candidates()).filter((c) => c.id.startsWith(given.toLowerCase()));
  if (matches.length === 1) return (matches[0] as { id: string }).id;
  if (matches.length === 0) throw new CliError(`no ${what} id starts with ${given}`);
  throw new CliError(`${what} id prefix ${given} is ambiguous (${matches.length} match); give more digits`);
}

/** True for a full UUID, which goes to the API as it is. */
export function isUuid(given: string): boolean {
  return UUID.test(given);
}

/**
 * A team named by its slug (as `teams ls` prints it) or its id. A slug is
 * looked up among the caller's teams; an id goes to the API as it is.
 */
export async function resolveTeam(given: string, teams: () => Promise<{ id: string; slug: string }[]>) {
  if (UUID.test(given)) return given.toLowerCase();
  const team = (await teams()).find((t) => t.slug === given);
  if (!team) throw new CliError(`no team ${given} among yours; \`reslab teams ls\` lists them`);
  return team.id;
}

/**
 * An API key or share link named by its id, a prefix of the id, or by the
 * token's display prefix as `ls` prints it (`rsk_AbCdEfGh`); the whole token,
 * or a share link's URL, works as well since it starts with that prefix.
 * Keys may also be named by their name, when one key that is not revoked has it.
 */
export function resolveCredentialId(
  what: string,
  given: string,
  tokenPrefix: string,
  listed: { id: string; prefix: string; name?: string; revokedAt?: string | null }[],
): string {
  const token = given.slice(Math.max(0, given.lastIndexOf('/') + 1));
  if (!token.startsWith(tokenPrefix)) {
    if (UUID.test(given)) return given.toLowerCase();
    const named = listed.filter((item) => item.name === given && !item.revokedAt);
    if (named.length === 1) return (named[0] as { id: string }).id;
    if (named.length > 1) throw new CliError(`${named.length} ${what}s are named ${given}; give its id or prefix`);
    if (!/^[0-9a-f-]{4,36}$/i.test(given)) {
      const forms = `${listed.some((item) => item.name !== undefined) ? 'a name, ' : ''}an id, a prefix of one, or a ${tokenPrefix}... prefix`;
      throw new UsageError(`${what} ${given}: expected ${forms}`);
    }
  }
  const matches = token.startsWith(tokenPrefix)
    ? listed.filter((item) => token.startsWith(item.prefix) || item.prefix.startsWith(token))
    : listed.filter((item) => item.id.startsWith(given.toLowerCase()));
  if (matches.length === 1) return (matches[0] as { id: string }).id;
  // Never echo a whole token back: it may be a live secret.
  const shown = token.startsWith(tokenPrefix) ? token.slice(0, DISPLAY_PREFIX_LENGTH) : given;
  if (matches.length === 0) throw new CliError(`no ${what} matches ${shown}`);
  throw new CliError(`${what} ${shown} is ambiguous (${matches.length} match); give more characters`);
}
