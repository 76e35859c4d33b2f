import type { ParseArgsConfig } from 'node:util';
import type { ResLabApi } from './api-client.js';
import type { Profile } from './config-file.js';
import { UsageError } from './errors.js';

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  /** The orchestrator, presenting the profile's credential on every request. */
  api: ResLabApi;
  /** Where the orchestrator's URL and the credential came from, and the config file `login` and `logout` write. */
  profile: Profile;
  values: OptionValues;
  positionals: string[];
  out: (line: string) => void;
  /** Progress and warnings: stderr, so stdout stays parseable. */
  note: (line: string) => void;
}

/** One `reslab <noun> <verb>`, or `reslab <noun>` when `verb` is empty; `run` answers the process exit code. */
export interface Command {
  noun: string;
  verb: string;
  /** Arguments after `reslab <noun> <verb>`, e.g. `<file> [--dry-run]`. */
  usage: string;
  summary: string;
  /** Lines under "Options:" in the command's help. */
  optionHelp?: string[];
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional arguments required, and allowed at most. */
  positionals: { min: number; max: number };
  /**
   * What the command does with the user's config file: `read` it (the default; a malformed one is an error),
   * `replace` it (`login`: a malformed one is overwritten), or `ignore` it (offline commands).
   */
  config?: 'read' | 'replace' | 'ignore';
  run(context: CommandContext): Promise<number>;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** `--<name> <n>`: a positive integer, `fallback` when absent. */
export function positiveIntOption<F extends number | undefined>(
  values: OptionValues,
  name: string,
  fallback: F,
): number | F {
  const raw = stringOption(values, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || !Number.isSafeInteger(value)) {
    throw new UsageError(`--${name} ${raw}: expected a positive whole number`);
  }
  return value;
}

/** `--limit <n>`: a positive integer, `fallback` when absent. */
export function limitOption(values: OptionValues, fallback: number): number {
  return positiveIntOption(values, 'limit', fallback);
}

const DURATION_UNITS_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--expires`: a duration from now (`12h`, `30d`, `2w`) or an ISO date or time
 * (`2026-01-31`, `2026-01-31T18:00:00Z`), as the ISO time the API takes; undefined when absent.
 * Minutes and months are left out on purpose: `30m` would be read either way.
 */
export function expiresOption(values: OptionValues, now = Date.now()): string | undefined {
  const raw = stringOption(values, 'expires');
  if (raw === undefined) return undefined;
  const duration = /^(\d+)([hdw])$/.exec(raw);
  let at: number;
  if (duration) {
    at = now + Number(duration[1]) * (DURATION_UNITS_MS[duration[2] as string] as number);
  } else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw) && !Number.isNaN(Date.parse(raw))) {
    at = Date.parse(raw);
  } else {
    throw new UsageError(`--expires ${raw}: expected a duration (12h, 30d, 2w) or an ISO date or time (2026-01-31)`);
  }
  if (!Number.isFinite(at) || at <= now || at > 8.64e15) {
    throw new UsageError(`--expires ${raw}: must be in the future`);
  }
  return new Date(at).toISOString();
}
