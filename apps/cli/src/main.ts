#!/usr/bin/env node
import { ResLabApi } from './api-client.js';
import { stringOption } from './command.js';
import { parseCommandLine } from './command-line.js';
import { COMMANDS } from './commands/index.js';
import {
  type CliConfig,
  ConfigFileError,
  configPath,
  isOpenToOthers,
  readConfig,
  resolveProfile,
} from './config-file.js';
import { CliError, SweepFileError, UsageError } from './errors.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
// `reslab sweep expand f.yaml | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const note = (line: string) => process.stderr.write(`${line}\n`);

/** Exit codes: 0 done, 1 the API or a file said no (or the followed run failed), 2 a bad command line. */
async function main(argv: string[]): Promise<number> {
  const invocation = parseCommandLine(argv, COMMANDS);
  if ('help' in invocation) {
    out(invocation.help);
    return 0;
  }
  const { command, values, positionals } = invocation;
  const path = configPath();
  let config: CliConfig | null = null;
  if (command.config !== 'ignore') {
    try {
      config = readConfig(path);
    } catch (error) {
      if (!(command.config === 'replace' && error instanceof ConfigFileError)) throw error;
      note(`reslab: ${error.path}: ${error.reason}; signing in replaces it`);
    }
    if (config?.apiKey && isOpenToOthers(path)) {
      note(`reslab: warning: ${path} holds your API key and others may read it; run chmod 600 ${path}`);
    }
  }
  const profile = resolveProfile(process.env, stringOption(values, 'api'), config, path);
  if (!URL.canParse(profile.apiUrl)) throw new UsageError(`--api or RESLAB_API_URL ${profile.apiUrl}: not a URL`);
  const api = new ResLabApi(profile.apiUrl, profile.credential);
  return command.run({ api, profile, values, positionals, out, note });
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    note(`reslab: ${error.message}`);
    return 2;
  }
  if (error instanceof SweepFileError) {
    note(error.message);
    return 1;
  }
  if (error instanceof CliError) {
    note(`reslab: ${error.message}`);
    for (const issue of error.issues) note(`  ${issue.path}: ${issue.message}`);
    return 1;
  }
  // A bug, not an expected failure: the stack is what a bug report needs.
  note(`reslab: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}

process.exitCode = await main(process.argv.slice(2)).catch(report);
