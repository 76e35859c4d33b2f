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
