import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fieldIssues } from '@reslab/contracts';
import { z } from 'zod';
import { CliError } from './errors.js';

/** The orchestrator a CLI talks to when neither --api, RESLAB_API_URL nor the config file names one. */
export const DEFAULT_API_URL = 'http://127.0.0.1:4000';

/**
 * What `reslab login` stores: the orchestrator and the API key for it. A key is
 * sent only to the orchestrator it was stored for (see resolveProfile), so
 * `--api` pointed elsewhere does not hand the key to another server.
 */
export const CliConfig = z.object({
  apiUrl: z.url().optional(),
  apiKey: z.string().min(1).optional(),
});
export type CliConfig = z.infer<typeof CliConfig>;

type Env = Record<string, string | undefined>;

/** Empty counts as unset: `RESLAB_API_KEY= reslab ...` clears an exported key. */
function envValue(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * `$XDG_CONFIG_HOME/reslab/config.json`, or `~/.config/reslab/config.json`.
 * A relative XDG_CONFIG_HOME is ignored, as the XDG Base Directory spec says.
 */
export function configPath(env: Env = process.env): string {
  const xdg = envValue(env, 'XDG_CONFIG_HOME');
  const base = xdg && isAbsolute(xdg) ? xdg : join(envValue(env, 'HOME') ?? homedir(), '.config');
  return join(base, 'reslab', 'config.json');
}

/** A config file that exists but cannot be used; the message names the file and what is wrong. */
export class ConfigFileError extends CliError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}; fix it, or delete it and run \`reslab login\``);
  }
}

/** The stored config, or null when there is no file yet. */
export function readConfig(path: string): CliConfig | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigFileError(path, `cannot read it (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(path, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = CliConfig.safeParse(json);
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error).map((issue) => `${issue.path}: ${issue.message}`);
    throw new ConfigFileError(path, `not a ResLab config (${issues.join('; ')})`);
  }
  return parsed.data;
}

/** True when group or others may read or write the file: the key in it is then not the user's alone. */
export function isOpenToOthers(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Writes the config so that no reader ever sees half a file and the key is
 * never readable by others, not even for a moment: a temporary file created
 * 0600 (O_EXCL, so nothing else can have opened it), written and synced, then
 * renamed over the old one. The folder is created 0700.
 */
export function writeConfig(path: string, config: CliConfig): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // An older folder made by hand may be open to others; it holds only our file.
  chmodSync(dir, 0o700);
  const temporary = join(dir, `.config.json.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    try {
      writeSync(fd, `${JSON.stringify(CliConfig.parse(config), null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Already renamed, or never written: nothing to clean up.
    }
    throw error;
  }
}

/** Where a request's credential came from; what a 401 should tell the user to fix. */
export type Credential =
  | { token: string; from: 'env' }
  | { token: string; from: 'file'; path: string }
  /** Handed over in code: the session `reslab login` signs in with, or a key it checks before storing it. */
  | { token: string; from: 'given' }
  /** No credential; `storedFor` when the config file has a key, but for another orchestrator. */
  | { token: null; storedFor?: string };

/** The orchestrator and credential a command uses, and the config file they may have come from. */
export interface Profile {
  configPath: string;
  /** The file's contents; null when there is none (or, for `reslab login`, when it is malformed). */
  config: CliConfig | null;
  apiUrl: string;
  credential: Credential;
}

/** Two spellings of one orchestrator (`http://h:4000/` and `http://h:4000`) are the same. */
export function sameApi(a: string, b: string): boolean {
  const canonical = (url: string) => (URL.canParse(url) ? new URL(url).href : url).replace(/\/+$/, '');
  return canonical(a) === canonical(b);
}

/**
 * The orchestrator: --api, else RESLAB_API_URL, else the file's apiUrl, else
 * DEFAULT_API_URL. The credential: RESLAB_API_KEY, else the file's key when the
 * file is for that orchestrator.
 */
export function resolveProfile(env: Env, apiFlag: string | undefined, config: CliConfig | null, path: string): Profile {
  const storedUrl = config?.apiUrl ?? DEFAULT_API_URL;
  const apiUrl = (apiFlag || envValue(env, 'RESLAB_API_URL') || storedUrl).replace(/\/+$/, '');
  const envKey = envValue(env, 'RESLAB_API_KEY');
  let credential: Credential;
  if (envKey) credential = { token: envKey, from: 'env' };
  else if (config?.apiKey && sameApi(storedUrl, apiUrl)) credential = { token: config.apiKey, from: 'file', path };
  else if (config?.apiKey) credential = { token: null, storedFor: storedUrl };
  else credential = { token: null };
  return { configPath: path, config, apiUrl, credential };
}

/** The one line a 401 prints: what was refused and what to run. */
export function notSignedInMessage(credential: Credential, apiUrl: string): string {
  const lead = 'not signed in or key revoked';
  if (credential.token !== null && credential.from === 'env') {
    return `${lead}: RESLAB_API_KEY was refused; set a valid key, or unset it and run \`reslab login\``;
  }
  if (credential.token === null && credential.storedFor) {
    return `${lead}: run \`reslab login --api-url ${apiUrl}\` (the stored key is for ${credential.storedFor})`;
  }
  return `${lead}: run \`reslab login\``;
}
