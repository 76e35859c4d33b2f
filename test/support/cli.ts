import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import type { Stack } from './stack.js';

const CLI = join(REPO_ROOT, 'apps/cli/dist/main.js');
const CONFIG_HOME = mkdtempSync(join(tmpdir(), 'reslab-cli-config-'));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI as a real process, as a user runs it. */
export function reslab(stack: Pick<Stack, 'apiUrl' | 'admin'>, args: string[], timeoutMs = 45_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'node',
      [CLI, '--api', stack.apiUrl, ...args],
      // The admin's key, as `reslab login` would have stored it; no config file of the person running the tests.
      {
        timeout: timeoutMs,
        env: { ...process.env, RESLAB_API_URL: '', RESLAB_API_KEY: stack.admin.apiKey, XDG_CONFIG_HOME: CONFIG_HOME },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
