import { describe, expect, it } from 'vitest';
import { expiresOption, positiveIntOption } from '../src/command.js';
import { type Invocation, parseCommandLine } from '../src/command-line.js';
import { COMMANDS } from '../src/commands/index.js';
import { CliError, UsageError } from '../src/errors.js';
import { resolveCredentialId, resolveTeam } from '../src/resolve-id.js';

function parse(line: string): Extract<Invocation, { command: unknown }> {
  const invocation = parseCommandLine(line.split(' ').filter(Boolean), COMMANDS);
  if ('help' in invocation) throw new Error(`expected a command, got help:\n${invocation.help}`);
  return invocation;
}

function help(line: string): string {
  const invocation = parseCommandLine(line.split(' ').filter(Boolean), COMMANDS);
  if (!('help' in invocation)) throw new Error('expected help');
  return invocation.help;
}

function usageError(line: string): string {
  try {
    parseCommandLine(line.split(' ').filter(Boolean), COMMANDS);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${line}: expected a usage error`);
}

const words = (i: ReturnType<typeof parse>) => [i.command.noun, i.command.verb].filter(Boolean).join(' ');

describe('the command line', () => {
  it('finds <noun> <verb> commands with their options and arguments, global --api anywhere', () => {
    const create = parse('keys create ci --expires 30d');
    expect(words(create)).toBe('keys create');
    expect(create.positionals).toEqual(['ci']);
    expect(create.values.expires).toBe('30d');

    const listed = parse('--api http://lab:4000 runs ls --status running');
    expect(words(listed)).toBe('runs ls');
    expect(listed.values).toMatchObject({ api: 'http://lab:4000', status: 'running' });

    const set = parse('members set demo ada@lab.org viewer');
    expect(set.positionals).toEqual(['demo', 'ada@lab.org', 'viewer']);
    expect(parse('share compare 1a2b3c4d 5e6f7a8b 9c0d1e2f').positionals).toHaveLength(3);
    expect(parse('workers enrol-token --team demo --expires-minutes 30').values).toMatchObject({
      team: 'demo',
      'expires-minutes': '30',
    });
    expect(parse('workers enrol-token --shared').values.shared).toBe(true);
  });

  it('finds commands without a verb, whose next word is an argument', () => {
    const login = parse('login --api-url http://lab:4000 --key rsk_abc');
    expect(words(login)).toBe('login');
    expect(login.values).toMatchObject({ 'api-url': 'http://lab:4000', key: 'rsk_abc' });
    expect(login.positionals).toEqual([]);
    expect(words(parse('logout'))).toBe('logout');
    expect(words(parse('whoami --json'))).toBe('whoami');

    const audit = parse('audit demo --limit 5');
    expect(words(audit)).toBe('audit');
    expect(audit.positionals).toEqual(['demo']);
    expect(audit.values.limit).toBe('5');
  });

  it('refuses what it cannot act on, in one line naming the command or option', () => {
    expect(usageError('')).toBe('missing command; see reslab --help');
    expect(usageError('teleport')).toBe('unknown command teleport; see reslab --help');
    expect(usageError('keys')).toBe('keys needs a subcommand; see reslab keys --help');
    expect(usageError('keys rotate')).toBe('unknown command keys rotate; see reslab keys --help');
    expect(usageError('keys ls --al')).toMatch(/^Unknown option '--al'.*; see reslab keys ls --help$/);
    expect(usageError('login --password hunter2')).toMatch(/^Unknown option '--password'/);
    expect(usageError('keys create')).toBe('usage: reslab keys create <name> [--expires <when>]');
    expect(usageError('share compare 1a2b3c4d')).toMatch(/^usage: reslab share compare /);
    expect(usageError('logout now')).toBe('usage: reslab logout');
    expect(usageError('audit')).toMatch(/^usage: reslab audit <team>/);
  });

  it('prints help for everything, a noun, and a command', () => {
    const all = help('--help');
    for (const command of ['login', 'logout', 'whoami', 'keys create', 'share compare', 'members set', 'audit']) {
      expect(all).toContain(`  ${command} `);
    }
    expect(all).toContain('RESLAB_API_KEY');
    expect(help('share --help')).toMatch(/^Usage: reslab share <run\|sweep\|compare\|ls\|revoke>/);
    expect(help('login --help')).toMatch(/^Usage: reslab login \[--api-url URL\]/);
    expect(help('audit --help')).toMatch(/^Usage: reslab audit <team>/);
  });
});

describe('option values', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  const expires = (raw: string) => expiresOption({ expires: raw }, now);

  it('reads --expires as a duration from now or an ISO date or time', () => {
    expect(expiresOption({}, now)).toBeUndefined();
    expect(expires('30d')).toBe('2026-02-09T12:00:00.000Z');
    expect(expires('12h')).toBe('2026-01-11T00:00:00.000Z');
    expect(expires('2w')).toBe('2026-01-24T12:00:00.000Z');
    expect(expires('2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
    expect(expires('2026-03-01T08:30:00+02:00')).toBe('2026-03-01T06:30:00.000Z');
  });

  it('refuses an --expires that is ambiguous, malformed or past', () => {
    // Minutes or months? Neither is guessed.
    expect(() => expires('30m')).toThrow(UsageError);
    expect(() => expires('soon')).toThrow('--expires soon: expected a duration');
    expect(() => expires('2026-02-30x')).toThrow(UsageError);
    expect(() => expires('2025-12-31')).toThrow('--expires 2025-12-31: must be in the future');
    expect(() => expires('0d')).toThrow('must be in the future');
  });

  it('reads whole positive numbers', () => {
    expect(positiveIntOption({ 'expires-minutes': '30' }, 'expires-minutes', undefined)).toBe(30);
    expect(positiveIntOption({}, 'expires-minutes', undefined)).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', '1e3', 'ten']) {
      expect(() => positiveIntOption({ limit: bad }, 'limit', 10)).toThrow(`--limit ${bad}: expected a positive`);
    }
  });
});

describe('naming teams, keys and links', () => {
  const teams = [
    { id: '0b5f7a9e-1111-4c2d-9e3f-000000000001', slug: 'demo' },
    { id: '0b5f7a9e-2222-4c2d-9e3f-000000000002', slug: 'vision' },
  ];

  it('resolves a team slug among the caller’s teams, and passes an id through unlooked-up', async () => {
    expect(await resolveTeam('vision', async () => teams)).toBe(teams[1]?.id);
    const id = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    expect(
      await resolveTeam(id.toUpperCase(), async () => {
        throw new Error('an id needs no lookup');
      }),
    ).toBe(id);
    await expect(resolveTeam('nlp', async () => teams)).rejects.toThrow(CliError);
    await expect(resolveTeam('nlp', async () => teams)).rejects.toThrow('no team nlp among yours');
  });

  const keys = [
    { id: 'aaaa1111-0000-4000-8000-000000000001', prefix: 'rsk_AbCdEfGh' },
    { id: 'aaaa2222-0000-4000-8000-000000000002', prefix: 'rsk_ZyXwVuTs' },
  ];

  it('resolves a key by id, id prefix, display prefix or the whole secret', () => {
    expect(resolveCredentialId('key', 'aaaa2222', 'rsk_', keys)).toBe(keys[1]?.id);
    expect(resolveCredentialId('key', 'rsk_AbCdEfGh', 'rsk_', keys)).toBe(keys[0]?.id);
    expect(resolveCredentialId('key', 'rsk_Zy', 'rsk_', keys)).toBe(keys[1]?.id);
    expect(resolveCredentialId('key', `rsk_AbCdEfGh${'x'.repeat(35)}`, 'rsk_', keys)).toBe(keys[0]?.id);
    expect(resolveCredentialId('key', keys[0]?.id.toUpperCase() as string, 'rsk_', [])).toBe(keys[0]?.id);
  });

  it('resolves a key by its name when one live key has it', () => {
    const named = [
      { ...keys[0], name: 'ci', revokedAt: '2026-01-01T00:00:00Z' },
      { ...keys[1], name: 'ci', revokedAt: null },
    ] as { id: string; prefix: string; name: string; revokedAt: string | null }[];
    expect(resolveCredentialId('key', 'ci', 'rsk_', named)).toBe(keys[1]?.id);
    const twice = named.map((k) => ({ ...k, revokedAt: null }));
    expect(() => resolveCredentialId('key', 'ci', 'rsk_', twice)).toThrow('2 keys are named ci; give its id or prefix');
  });

  it('refuses an ambiguous or unknown key without echoing a whole secret', () => {
    expect(() => resolveCredentialId('key', 'aaaa', 'rsk_', keys)).toThrow('key aaaa is ambiguous (2 match)');
    expect(() => resolveCredentialId('key', 'rsk_', 'rsk_', keys)).toThrow('ambiguous');
    const secret = `rsk_Qq${'s'.repeat(41)}`;
    expect(() => resolveCredentialId('key', secret, 'rsk_', keys)).toThrow(/^no key matches rsk_Qqssssss$/);
    expect(() => resolveCredentialId('key', 'my laptop', 'rsk_', keys)).toThrow(UsageError);
  });

  it('resolves a share link from the URL the user was given', () => {
    const shares = [{ id: 'bbbb1111-0000-4000-8000-000000000001', prefix: 'rsl_PqRsTuVw' }];
    const url = `http://127.0.0.1:3000/s/rsl_PqRsTuVw${'y'.repeat(35)}`;
    expect(resolveCredentialId('share link', url, 'rsl_', shares)).toBe(shares[0]?.id);
  });
});
