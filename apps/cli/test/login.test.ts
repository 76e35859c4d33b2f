import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STUB_USER, type StubOrchestrator, startStubOrchestrator } from './stub-orchestrator.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI from its sources (tsx), as a process with its own config folder and stdin piped, never a terminal. */
function reslab(args: string[], options: { env: Record<string, string>; stdin?: string }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { timeout: 30_000, env: { PATH: process.env.PATH ?? '', ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

describe('reslab login, whoami, logout and keys against a stub orchestrator (HTTP; the real one is in test/e2e)', () => {
  let stub: StubOrchestrator;
  let home: string;
  let env: Record<string, string>;
  let config: string;

  beforeEach(async () => {
    stub = await startStubOrchestrator();
    home = mkdtempSync(join(tmpdir(), 'reslab-cli-login-'));
    config = join(home, 'xdg', 'reslab', 'config.json');
    env = { HOME: home, XDG_CONFIG_HOME: join(home, 'xdg') };
  });
  afterEach(async () => {
    await stub.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('trades a password for a key named for this machine, stores it 0600, and signs the session out', async () => {
    const login = await reslab(['login', '--api-url', stub.url, '--email', STUB_USER.email], {
      env,
      stdin: `${STUB_USER.password}\n`,
    });
    expect(login, login.stderr).toMatchObject({ code: 0 });
    expect(login.stdout).toBe(`Signed in as ${STUB_USER.email} (teams: demo (owner), vision (viewer))\n`);

    expect(statSync(config).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(config, 'utf8'));
    expect(stub.keys).toHaveLength(1);
    expect(stub.keys[0]?.name).toBe(`cli@${hostname()}`);
    expect(stored).toEqual({ apiUrl: stub.url, apiKey: stub.keys[0]?.secret });
    // The key was made with the session, which was then signed out: only the key remains.
    const [session] = [...stub.sessions];
    expect(session?.[1]).toEqual({ loggedOut: true });
    const createKey = stub.requests.find((r) => r.method === 'POST' && r.path === '/keys');
    expect(createKey?.authorization).toBe(`Bearer ${session?.[0]}`);
    // No secret reaches the terminal.
    expect(login.stdout + login.stderr).not.toContain(stored.apiKey);
    expect(login.stdout + login.stderr).not.toContain(STUB_USER.password);

    // Later commands go to the stored orchestrator with the stored key, without --api.
    stub.requests.length = 0;
    const whoami = await reslab(['whoami'], { env });
    expect(whoami, whoami.stderr).toMatchObject({ code: 0 });
    expect(whoami.stdout).toContain(`signed in to ${stub.url} with apiKey ${stub.keys[0]?.prefix} from ${config}`);
    expect(stub.requests.map((r) => r.authorization)).toEqual([`Bearer ${stored.apiKey}`]);

    const logout = await reslab(['logout'], { env });
    expect(logout, logout.stderr).toMatchObject({ code: 0 });
    expect(logout.stdout).toContain(`key ${stub.keys[0]?.prefix} revoked, and removed from ${config}`);
    expect(stub.keys[0]?.revokedAt).not.toBeNull();
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ apiUrl: stub.url });

    const after = await reslab(['whoami'], { env });
    expect(after).toMatchObject({ code: 1, stdout: '' });
    expect(after.stderr).toBe('reslab: not signed in or key revoked: run `reslab login`\n');
  });

  it('refuses a wrong password without storing anything', async () => {
    const login = await reslab(['login', '--api-url', stub.url, '--email', STUB_USER.email], {
      env,
      stdin: 'wrong\n',
    });
    expect(login).toMatchObject({ code: 1, stderr: 'reslab: wrong e-mail or password\n' });
    expect(() => statSync(config)).toThrow();
  });

  it('checks and stores a key piped on stdin; RESLAB_API_KEY then wins over it', async () => {
    const secret = stub.addKey('laptop');
    const login = await reslab(['login', '--api-url', stub.url], { env, stdin: `${secret}\n` });
    expect(login, login.stderr).toMatchObject({ code: 0 });
    expect(login.stdout).toMatch(/^Signed in as ada@lab.org/);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ apiUrl: stub.url, apiKey: secret });

    const other = stub.addKey('ci');
    stub.requests.length = 0;
    const whoami = await reslab(['whoami'], { env: { ...env, RESLAB_API_KEY: other } });
    expect(whoami.stdout).toContain('from RESLAB_API_KEY');
    expect(stub.requests[0]?.authorization).toBe(`Bearer ${other}`);
  });

  it('refuses a revoked or mistyped key, and never echoes it', async () => {
    const revoked = await reslab(['login', '--api-url', stub.url, '--key', `rsk_${'r'.repeat(43)}`], { env });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toBe(`reslab: ${stub.url} refused the key rsk_rrrrrrrr: unknown, expired or revoked\n`);
    const wrongKind = await reslab(['login', '--api-url', stub.url, '--key', 'rsw_workersecret'], { env });
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/expected an API key, which starts with rsk_/);
    expect(wrongKind.stderr).not.toContain('workersecret');
    expect(() => statSync(config)).toThrow();
  });

  it('names a malformed config file, and login replaces it', async () => {
    const secret = stub.addKey('laptop');
    mkdirSync(join(config, '..'), { recursive: true });
    writeFileSync(config, '{"apiKey": ');
    const listed = await reslab(['whoami', '--api', stub.url], { env });
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(new RegExp(`^reslab: ${config}: not valid JSON .*; fix it, or delete it and run`));

    const login = await reslab(['login', '--api-url', stub.url, '--key', secret], { env });
    expect(login, login.stderr).toMatchObject({ code: 0 });
    expect(login.stderr).toContain(`${config}: not valid JSON`);
    expect(JSON.parse(readFileSync(config, 'utf8')).apiKey).toBe(secret);
  });

  it('does not send the stored key to another orchestrator', async () => {
    const secret = stub.addKey('laptop');
    await reslab(['login', '--api-url', stub.url, '--key', secret], { env });
    const elsewhere = await startStubOrchestrator();
    try {
      const whoami = await reslab(['whoami', '--api', elsewhere.url], { env });
      expect(whoami.code).toBe(1);
      expect(whoami.stderr).toContain(`run \`reslab login --api-url ${elsewhere.url}\``);
      expect(elsewhere.requests.map((r) => r.authorization)).toEqual([undefined]);
    } finally {
      await elsewhere.close();
    }
  });

  it('creates a key whose secret goes to stdout once, lists keys, and revokes one by its prefix', async () => {
    const mine = stub.addKey('laptop');
    await reslab(['login', '--api-url', stub.url, '--key', mine], { env });

    const created = await reslab(['keys', 'create', 'ci', '--expires', '30d'], { env });
    expect(created, created.stderr).toMatchObject({ code: 0 });
    const ci = stub.keys.find((k) => k.name === 'ci');
    expect(created.stdout).toBe(`${ci?.secret}\n`);
    expect(created.stderr).toContain('it will not be shown again');
    expect(stub.requests.at(-1)?.body).toMatchObject({ name: 'ci', expiresAt: expect.stringMatching(/Z$/) });

    const listed = await reslab(['keys', 'ls'], { env });
    expect(listed.stdout).toMatch(/^ID +PREFIX +NAME +CREATED +EXPIRES +LAST USED +STATE$/m);
    expect(listed.stdout).toMatch(new RegExp(`${stub.keys[0]?.prefix} +laptop .* active \\(this CLI\\)$`, 'm'));
    expect(listed.stdout).not.toContain(ci?.secret);

    const revoked = await reslab(['keys', 'revoke', ci?.prefix as string], { env });
    expect(revoked, revoked.stderr).toMatchObject({ code: 0, stdout: `key ${ci?.prefix} (ci) revoked\n` });
    expect(ci?.revokedAt).not.toBeNull();
    expect((await reslab(['keys', 'ls'], { env })).stdout).toMatch(new RegExp(`${ci?.prefix} +ci .* revoked$`, 'm'));
  });
});
