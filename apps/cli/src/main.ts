#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ResLabApi } from './api-client.js';
import type { Command, OptionValues } from './command.js';
import { runsFollow } from './commands/follow.js';
import { runsCancel, runsLs, runsRetry } from './commands/runs.js';
import { sweepExpand, sweepLs, sweepShow, sweepSubmit } from './commands/sweep.js';
import { workersLs } from './commands/workers.js';
import { CliError, SweepFileError, UsageError } from './errors.js';

const COMMANDS: Command[] = [
  sweepSubmit,
  sweepExpand,
  sweepLs,
  sweepShow,
  runsLs,
  runsFollow,
  runsCancel,
  runsRetry,
  workersLs,
];
const DEFAULT_API = 'http://127.0.0.1:4000';

const GLOBAL_OPTIONS = {
  api: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const out = (line: string) => process.stdout.write(`${line}\n`);
// `reslab sweep expand f.yaml | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const note = (line: string) => process.stderr.write(`${line}\n`);

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.noun} ${c.verb}`.length));
  return [
    'reslab: submit sweeps and watch runs on a ResLab orchestrator',
    '',
    'Usage: reslab [--api URL] <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${`${c.noun} ${c.verb}`.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    `  --api URL   orchestrator URL (default: $RESLAB_API_URL, else ${DEFAULT_API})`,
    '  -h, --help  this help; `reslab <command> --help` for a command',
  ].join('\n');
}

function nounHelp(noun: string): string {
  const commands = COMMANDS.filter((c) => c.noun === noun);
  return [`Usage: reslab ${noun} <${commands.map((c) => c.verb).join('|')}> [options]`, '']
    .concat(commands.map((c) => `  ${c.verb.padEnd(8)}  ${c.summary}`))
    .join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: reslab ${command.noun} ${command.verb} ${command.usage}`.trimEnd(),
    '',
    command.summary,
    ...(command.optionHelp?.length ? ['', 'Options:', ...command.optionHelp.map((line) => `  ${line}`)] : []),
    '',
    `  --api URL   orchestrator URL (default: $RESLAB_API_URL, else ${DEFAULT_API})`,
  ].join('\n');
}

/** Exit codes: 0 done, 1 the API or a file said no (or the followed run failed), 2 a bad command line. */
async function main(argv: string[]): Promise<number> {
  // First pass: find the noun and verb, whatever options come around them; the command's own pass is strict.
  const { tokens } = parseArgs({
    args: argv,
    options: GLOBAL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const words = tokens.filter((t) => t.kind === 'positional').slice(0, 2);
  const [noun, verb] = words.map((t) => t.value);
  const wantsHelp = tokens.some((t) => t.kind === 'option' && t.name === 'help');
  if (noun === undefined || noun === 'help') {
    if (wantsHelp || noun === 'help') {
      out(globalHelp());
      return 0;
    }
    throw new UsageError('missing command; see reslab --help');
  }
  if (!COMMANDS.some((c) => c.noun === noun)) throw new UsageError(`unknown command ${noun}; see reslab --help`);
  const command = COMMANDS.find((c) => c.noun === noun && c.verb === verb);
  if (!command) {
    if (verb === undefined && wantsHelp) {
      out(nounHelp(noun));
      return 0;
    }
    throw new UsageError(
      verb === undefined
        ? `${noun} needs a subcommand; see reslab ${noun} --help`
        : `unknown command ${noun} ${verb}; see reslab ${noun} --help`,
    );
  }
  const rest = argv.filter((_, index) => !words.some((w) => w.index === index));
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true });
  } catch (error) {
    // parseArgs's messages are one line and name the option, e.g. "Unknown option '--stauts'".
    throw new UsageError(`${(error as Error).message.split(/\.\s/)[0]}; see reslab ${noun} ${verb} --help`);
  }
  if (parsed.values.help) {
    out(commandHelp(command));
    return 0;
  }
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(`usage: reslab ${noun} ${verb} ${command.usage}`.trimEnd());
  }
  const apiUrl = (parsed.values.api as string | undefined) ?? process.env.RESLAB_API_URL ?? DEFAULT_API;
  if (!URL.canParse(apiUrl)) throw new UsageError(`--api ${apiUrl}: not a URL`);
  return command.run({ api: new ResLabApi(apiUrl), values: parsed.values, positionals: parsed.positionals, out, note });
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
