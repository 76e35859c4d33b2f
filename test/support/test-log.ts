import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/**
 * Everything a test run's processes printed, and every secret the tests handled, so that the last step of
 * `make test` (test/secrets/) can prove no secret reached a log line (issue 8). The Makefile empties the
 * folder before each run.
 */
export const TEST_LOG_DIR = join(REPO_ROOT, '.reslab', 'test-logs');
const SECRETS_FILE = join(TEST_LOG_DIR, 'secrets.jsonl');

let ready = false;
function folder(): string {
  if (!ready) {
    mkdirSync(TEST_LOG_DIR, { recursive: true });
    ready = true;
  }
  return TEST_LOG_DIR;
}

/** The file a started process's output is copied to. */
export function processLogPath(command: string, args: string[], pid: number | undefined): string {
  const name = [command, ...args.slice(0, 1)]
    .join(' ')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(-60);
  return join(folder(), `${name}.${pid ?? 'nopid'}.log`);
}

export function appendProcessLog(path: string, chunk: Buffer): void {
  appendFileSync(path, chunk);
}

/** Records a secret a test used (a password, a key, a token), by kind; the scan reports kinds, never values. */
export function rememberSecret(kind: string, value: unknown): void {
  if (typeof value !== 'string' || value.length < 8) return;
  appendFileSync(join(folder(), 'secrets.jsonl'), `${JSON.stringify({ kind, value })}\n`);
}

export { SECRETS_FILE };

/** Every credential-looking string in an API answer or request: fields named secret, token or password. */
export function rememberSecretsIn(value: unknown, depth = 0): void {
  if (depth > 4 || value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    if (
      (key === 'secret' || key === 'token' || key === 'password' || key === 'enrolmentToken') &&
      typeof v === 'string'
    ) {
      rememberSecret(key, v);
    } else {
      rememberSecretsIn(v, depth + 1);
    }
  }
}
