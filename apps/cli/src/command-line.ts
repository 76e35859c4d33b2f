import { parseArgs } from 'node:util';
import type { Command, OptionValues } from './command.js';
import { DEFAULT_API_URL } from './config-file.js';
import { UsageError } from './errors.js';

export const GLOBAL_OPTIONS = {
  api: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What the command line asks for: a help text to print, or a command with its options and arguments. */
export type Invocation = { help: string } | { command: Command; values: OptionValues; positionals: string[] };

const API_HELP = `  --api URL   orchestrator URL (default: $RESLAB_API_URL, else the one \`reslab login\` stored, else ${DEFAULT_API_URL})`;

function words(command: Command): string {
  return [command.noun, command.verb].filter(Boolean).join(' ');
}

export function globalHelp(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => words(c).length));
  return [
    'reslab: submit sweeps and watch runs on a ResLab orchestrator',
    '',
    'Usage: reslab [--api URL] <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${words(c).padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    API_HELP,
    '  -h, --help  this help; `reslab <command> --help` for a command',
    '',
    'Credentials: `reslab login` stores an API key in $XDG_CONFIG_HOME/reslab/config.json',
    '(~/.config/reslab/config.json); RESLAB_API_KEY, when set, is used instead.',
  ].join('\n');
}

function nounHelp(noun: string, commands: Command[]): string {
  const ofNoun = commands.filter((c) => c.noun === noun);
  const width = Math.max(...ofNoun.map((c) => c.verb.length));
  return [`Usage: reslab ${noun} <${ofNoun.map((c) => c.verb).join('|')}> [options]`, '']
    .concat(ofNoun.map((c) => `  ${c.verb.padEnd(width)}  ${c.summary}`))
    .join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: reslab ${words(command)} ${command.usage}`.trimEnd(),
    '',
    command.summary,
    ...(command.optionHelp?.length ? ['', 'Options:', ...command.optionHelp.map((line) => `  ${line}`)] : []),
    '',
    API_HELP,
  ].join('\n');
}

/**
 * Finds the command in `argv` (`<noun> <verb>`, or `<noun>` alone for
 * commands without a verb such as `login`), then parses its options strictly.
 * Throws UsageError, naming the option or the command, for a line it cannot act on.
 */
export function parseCommandLine(argv: string[], commands: Command[]): Invocation {
  // First pass: find the noun and verb, whatever options come around them; the command's own pass is strict.
  const { tokens } = parseArgs({
    args: argv,
    options: GLOBAL_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positional = tokens.filter((t) => t.kind === 'positional');
  const noun = positional[0]?.value;
  const wantsHelp = tokens.some((t) => t.kind === 'option' && t.name === 'help');
  if (noun === undefined || noun === 'help') {
    if (wantsHelp || noun === 'help') return { help: globalHelp(commands) };
    throw new UsageError('missing command; see reslab --help');
  }
  if (!commands.some((c) => c.noun === noun)) throw new UsageError(`unknown command ${noun}; see reslab --help`);
  const solo = commands.find((c) => c.noun === noun && c.verb === '');
  const named = solo ? positional.slice(0, 1) : positional.slice(0, 2);
  const verb = solo ? '' : named[1]?.value;
  const command = solo ?? commands.find((c) => c.noun === noun && c.verb === verb);
  if (!command) {
    if (verb === undefined && wantsHelp) return { help: nounHelp(noun, commands) };
    throw new UsageError(
      verb === undefined
        ? `${noun} needs a subcommand; see reslab ${noun} --help`
        : `unknown command ${noun} ${verb}; see reslab ${noun} --help`,
    );
  }
  const rest = argv.filter((_, index) => !named.some((w) => w.index === index));
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true });
  } catch (error) {
    // parseArgs's messages are one line and name the option, e.g. "Unknown option '--stauts'".
    throw new UsageError(`${(error as Error).message.split(/\.\s/)[0]}; see reslab ${words(command)} --help`);
  }
  if (parsed.values.help) return { help: commandHelp(command) };
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(`usage: reslab ${words(command)} ${command.usage}`.trimEnd());
  }
  return { command, values: parsed.values, positionals: parsed.positionals };
}
