import type { ParseArgsConfig } from 'node:util';
import type { ResLabApi } from './api-client.js';
import { UsageError } from './errors.js';

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  api: ResLabApi;
  values: OptionValues;
  positionals: string[];
  out: (line: string) => void;
  /** Progress and warnings: stderr, so stdout stays parseable. */
  note: (line: string) => void;
}

/** One `reslab <noun> <verb>`; `run` answers the process exit code. */
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
  run(context: CommandContext): Promise<number>;
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** `--limit <n>`: a positive integer, `fallback` when absent. */
export function limitOption(values: OptionValues, fallback: number): number {
  const raw = stringOption(values, 'limit');
  if (raw === undefined) return fallback;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1) throw new UsageError(`--limit ${raw}: expected a positive whole number`);
  return limit;
}
