import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CREDENTIAL_PREFIX,
  type CreatedApiKey,
  type CreatedShare,
  type EnrolmentTokenDto,
  type RunDto,
  type UserDto,
  type WorkerDto,
} from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disconnection, handshake, openStream, subscribeRoom, tokensIn } from '../support/identity.js';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { runWhen, tinyConfig } from '../support/runs.js';
import { callApi, DEMO_TEAM, FAKE_ENGINE_COMMAND, type Stack, startStack, teamId } from '../support/stack.js';

/**
 * Issue 8: no secret in any log line or error body. One stack lives through
 * every kind of secret there is (passwords right and wrong, sessions, API
 * keys, enrolment tokens, worker secrets, share links, and credentials that
 * look real but are not) and through their revocation; then every answer the
 * API gave, every row of its database, and everything the orchestrator and
 * the worker printed are searched for every one of them. The worker runs the
 * FAKE engine: the engine is not what this test is about.
 */
describe('no secret in any log line, error body or database row (real orchestrator and worker, FAKE engine)', () => {
  let stack: Stack;
  let databaseRows: string[] = [];
  let stopped = false;
  /** Every secret the test handled, by kind. */
  const secrets = new Map<string, string>();
  /** Every answer of the API, in order. */
  const answers: { what: string; status: number; text: string }[] = [];
  const keep = (kind: string, value: string | undefined) => {
    if (!value) throw new Error(`no ${kind} to keep`);
    secrets.set(value, kind);
    return value;
  };
  const call = async (what: string, method: string, path: string, token: string | null, body?: unknown) => {
    const answer = await callApi(stack, method, path, { token, body });
    answers.push({ what, status: answer.status, text: answer.text });
    return answer;
  };
  const fakeToken = (prefix: string) => keep(`made-up ${prefix}`, `${prefix}${randomBytes(32).toString('base64url')}`);

  beforeAll(async () => {
    stack = await startStack('reslab_secrets', { leaseSeconds: 3 });
    keep('admin password', stack.admin.password);
    keep('admin API key', stack.admin.apiKey);
    const admin = stack.admin.apiKey;

    // Passwords, right and wrong, and the sessions they open.
    const wrong = keep('mistyped password', `${stack.admin.password}-typo`);
    expect(
      (await call('login, wrong password', 'POST', '/auth/login', null, { email: stack.admin.email, password: wrong }))
        .status,
    ).toBe(401);
    const login = await call('login', 'POST', '/auth/login', null, {
      email: stack.admin.email,
      password: stack.admin.password,
    });
    const session = keep('session', (login.json as { token: string }).token);
    const userPassword = keep('user password', `pw-${randomBytes(12).toString('base64url')}`);
    const user = await call('create user', 'POST', '/users', admin, {
      email: 'leaky@reslab.test',
      name: 'Leaky',
      password: userPassword,
    });
    expect(user.status).toBe(201);
    await call('add member', 'PUT', `/teams/${await teamId(stack, DEMO_TEAM)}/members`, admin, {
      email: 'leaky@reslab.test',
      role: 'member',
    });
    const userSession = keep(
      'user session',
      (
        (await call('user login', 'POST', '/auth/login', null, { email: 'leaky@reslab.test', password: userPassword }))
          .json as { token: string }
      ).token,
    );

    // API keys: made, used, revoked, used again.
    const created = await call('create key', 'POST', '/keys', userSession, { name: 'script' });
    const key = created.json as CreatedApiKey;
    keep('user API key', key.secret);
    expect((await call('use key', 'GET', '/runs', key.secret)).status).toBe(200);
    await call('list keys', 'GET', '/keys', key.secret);
    await call('revoke key', 'DELETE', `/keys/${key.key.id}`, userSession);
    expect((await call('revoked key', 'GET', '/runs', key.secret)).status).toBe(401);

    // Credentials that look real and are not, and malformed ones.
    for (const prefix of Object.values(CREDENTIAL_PREFIX)) {
      const status = (await call(`made-up ${prefix}`, 'GET', '/runs', fakeToken(prefix))).status;
      expect(status, prefix).toBe(401);
    }
    const bare = keep('made-up bare token', randomBytes(32).toString('base64url'));
    expect((await call('made-up bare token', 'GET', '/runs', bare)).status).toBe(401);

    // Enrolment: a worker process trades its token for a secret; the token does not work twice or as a credential.
    const enrolment = keep(
      'enrolment token',
      (
        (
          await call('enrolment token', 'POST', '/workers/enrolment-tokens', admin, {
            teamId: await teamId(stack, DEMO_TEAM),
          })
        ).json as EnrolmentTokenDto
      ).token,
    );
    const worker = await stack.startWorker('secret-keeper', {
      env: { RESLAB_ENROLMENT_TOKEN: enrolment, RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, LOG_LEVEL: 'debug' },
    });
    const workerSecret = await waitFor('the worker to enrol and write its credential', async () => {
      try {
        const file = JSON.parse(readFileSync(join(stack.workDir, 'secret-keeper', 'credential.json'), 'utf8'));
        return (file as { secret: string }).secret;
      } catch {
        return undefined;
      }
    });
    keep('worker secret', workerSecret);
    expect(
      (
        await call('enrolment token again', 'POST', '/workers/enrol', null, {
          enrolmentToken: enrolment,
          name: 'copycat',
          host: 'h',
          slots: 1,
        })
      ).status,
    ).toBe(401);
    expect((await call('enrolment token as credential', 'GET', '/runs', enrolment)).status).toBe(401);
    expect((await call('worker secret on a user route', 'GET', '/runs', workerSecret)).status).toBe(403);

    // A run on the worker, shared by a link that is used, watched, revoked and used again.
    const run = (await call('launch', 'POST', '/runs', session, { config: tinyConfig() })).json as RunDto;
    await runWhen(stack, run.id, (r) => r.status === 'succeeded', 60_000);
    const share = (await call('share', 'POST', '/shares', session, { kind: 'run', runId: run.id }))
      .json as CreatedShare;
    keep('share link', share.token);
    expect((await call('open link', 'GET', '/shares/current', share.token)).status).toBe(200);
    const socket = openStream(stack, { token: share.token });
    expect((await handshake(socket)).outcome).toBe('connected');
    expect(await subscribeRoom(socket, { kind: 'run', id: run.id })).toMatchObject({ ok: true });
    const closed = disconnection(socket, 'the revoked link');
    await call('revoke link', 'DELETE', `/shares/${share.share.id}`, session);
    await closed;
    expect((await call('revoked link', 'GET', `/runs/${run.id}`, share.token)).status).toBe(401);
    const refused = openStream(stack, { token: share.token });
    expect((await handshake(refused)).outcome).toBe('refused');
    refused.close();

    // Sign out, and revoke the worker: both credentials are refused from then on.
    await call('logout', 'POST', '/auth/logout', userSession);
    expect((await call('signed-out session', 'GET', '/runs', userSession)).status).toBe(401);
    const workers = (await call('workers', 'GET', '/workers', admin)).json as WorkerDto[];
    await call('revoke worker', 'DELETE', `/workers/${workers.find((w) => w.name === 'secret-keeper')?.id}`, admin);
    expect(
      (await call('revoked worker', 'POST', '/workers', workerSecret, { name: 'secret-keeper', host: 'h', slots: 1 }))
        .status,
    ).toBe(401);
    await Promise.race([worker.exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);

    // Every row of every table, as text, before the stack and its database go.
    const tables = await query<{ name: string }>(
      stack.db.url,
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    databaseRows = [];
    for (const { name } of tables) {
      const rows = await query<{ row: string }>(stack.db.url, `SELECT t::text AS row FROM "${name}" t`);
      databaseRows.push(...rows.map((r) => `${name}: ${r.row}`));
    }
    expect((user.json as UserDto).email).toBe('leaky@reslab.test');
    // Stopped here, so that the logs below are complete, shutdown included.
    await stack.stop();
    stopped = true;
  }, 180_000);

  afterAll(async () => {
    if (!stopped) await stack?.stop();
  });

  const found = (text: string) => [...secrets].filter(([value]) => text.includes(value)).map(([, kind]) => kind);

  it('prints none of them: the orchestrator and the worker logs hold no secret and nothing shaped like a token', () => {
    const logs = [
      { name: 'orchestrator', text: stack.orchestrator.output() },
      ...stack.workers.map((w, i) => ({ name: `worker ${i}`, text: w.output() })),
    ];
    const leaks = logs.flatMap(({ name, text }) => [
      ...found(text).map((kind) => `${name}: ${kind}`),
      ...tokensIn(text).map((token) => `${name}: a token ${token.slice(0, 8)}…`),
    ]);
    console.log(
      `secrets: ${secrets.size} of ${new Set(secrets.values()).size} kinds, searched in ${logs.length} logs ` +
        `(${logs.map((l) => `${l.name} ${l.text.split('\n').length} lines`).join(', ')}): ${leaks.length} found`,
    );
    expect(logs.every((l) => l.text.length > 0)).toBe(true);
    expect(leaks).toEqual([]);
  });

  it('answers none of them in an error, and no answer repeats a secret it did not just issue', () => {
    const seen = new Set<string>();
    const wrong: string[] = [];
    for (const answer of answers) {
      const tokens = tokensIn(answer.text);
      if (answer.status >= 400) {
        for (const kind of found(answer.text)) wrong.push(`${answer.what} (${answer.status}): ${kind}`);
        if (tokens.length) wrong.push(`${answer.what} (${answer.status}): a token in an error`);
      }
      for (const token of tokens)
        if (seen.has(token)) wrong.push(`${answer.what} (${answer.status}): repeats a secret`);
      for (const token of tokens) seen.add(token);
    }
    console.log(`answers: ${answers.length} searched, ${answers.filter((a) => a.status >= 400).length} of them errors`);
    expect(wrong).toEqual([]);
  });

  it('stores none of them in the clear: no database row holds a secret', () => {
    const leaks = databaseRows.flatMap((row) => found(row).map((kind) => `${row.split(':')[0]}: ${kind}`));
    console.log(`database: ${databaseRows.length} rows searched, ${leaks.length} secrets in the clear`);
    expect(databaseRows.length).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  });
});
