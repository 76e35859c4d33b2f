import type { CreatedApiKey, ProjectDto, TeamRole } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createAccount, createTeam, grantRole, signIn } from '../support/identity.js';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { type Replica, startReplica } from '../support/replicas.js';
import { api, DEMO_TEAM, type Stack, startStack, teamId } from '../support/stack.js';

/**
 * The orchestrators keep resolved sessions and API keys for RESLAB_PRINCIPAL_CACHE_SECONDS
 * (identity/principal-cache.ts). Here that is 10 minutes on both replicas, so a change that reaches a request
 * within this test was carried by its notice (CredentialRevocations, and serverSideEmit to the other replica), never
 * by the cache running out. On A, where the change is made, the very next request sees it; B hears of it over the
 * Postgres adapter, so B is polled, for far less than the 10 minutes.
 */
const CACHE_SECONDS = '600';

describe('principal cache: revocations and role changes apply on the next request, on both replicas (real orchestrators, real Postgres)', () => {
  let stack: Stack;
  let b: Replica;
  let demo: string;
  let person: Account;
  const previous = process.env.RESLAB_PRINCIPAL_CACHE_SECONDS;

  const onA = () => stack;
  const onB = () => b.view;
  const me = (on: Pick<Stack, 'apiUrl' | 'admin'>, token: string) =>
    api(on, 'GET', '/auth/me', undefined, { token }).then((r) => r.status);
  /** B's answer once it has changed from `from` (B hears the notice through Postgres, not within this request). */
  const onBOnce = (what: string, from: number, ask: () => Promise<number>) =>
    waitFor(
      `B to ${what}`,
      async () => {
        const status = await ask();
        return status === from ? undefined : status;
      },
      20_000,
    );

  beforeAll(async () => {
    process.env.RESLAB_PRINCIPAL_CACHE_SECONDS = CACHE_SECONDS;
    stack = await startStack('reslab_principal_cache');
    b = await startReplica(stack, { leaseSeconds: 30 });
    demo = await teamId(stack, DEMO_TEAM);
    person = await createAccount(stack, 'cached');
  });

  afterAll(async () => {
    if (previous === undefined) delete process.env.RESLAB_PRINCIPAL_CACHE_SECONDS;
    else process.env.RESLAB_PRINCIPAL_CACHE_SECONDS = previous;
    await b?.process.stop();
    await stack?.stop();
  });

  it('keeps a credential for its TTL when it is changed behind the orchestrators (by SQL): the cache is in use', async () => {
    const { body: key } = await api<CreatedApiKey>(stack, 'POST', '/keys', { name: 'sql-revoked' }, person.as);
    expect(await me(onA(), key.secret)).toBe(200);
    expect(await me(onB(), key.secret)).toBe(200);
    await query(stack.db.url, `UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [key.key.id]);
    // No notice was sent, so both replicas still answer from their cache; a restart or the TTL would end it.
    expect(await me(onA(), key.secret)).toBe(200);
    expect(await me(onB(), key.secret)).toBe(200);
  });

  it('refuses a revoked API key on the next request on A and soon after on B', async () => {
    const { body: key } = await api<CreatedApiKey>(stack, 'POST', '/keys', { name: 'revoked' }, person.as);
    expect(await me(onA(), key.secret)).toBe(200);
    expect(await me(onB(), key.secret)).toBe(200);
    expect((await api(stack, 'DELETE', `/keys/${key.key.id}`, undefined, person.as)).status).toBe(200);
    expect(await me(onA(), key.secret)).toBe(401);
    expect(await onBOnce('refuse the revoked key', 200, () => me(onB(), key.secret))).toBe(401);
  });

  it('refuses a signed-out session on the next request on A and soon after on B', async () => {
    const session = await signIn(stack, person.email, person.password);
    expect(await me(onA(), session)).toBe(200);
    expect(await me(onB(), session)).toBe(200);
    expect((await api(stack, 'POST', '/auth/logout', undefined, { token: session })).status).toBe(204);
    expect(await me(onA(), session)).toBe(401);
    expect(await onBOnce('refuse the signed-out session', 200, () => me(onB(), session))).toBe(401);
  });

  it('refuses an expired key from the cached row, without a notice', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const { body: key } = await api<CreatedApiKey>(stack, 'POST', '/keys', { name: 'expiring', expiresAt }, person.as);
    expect(await me(onA(), key.secret)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 100));
    expect(await me(onA(), key.secret)).toBe(401);
  });

  it("applies a member's removal and role changes on the next request on A and soon after on B", async () => {
    const readTeam = (on: Pick<Stack, 'apiUrl' | 'admin'>) =>
      api(on, 'GET', `/teams/${demo}`, undefined, person.as).then((r) => r.status);
    let projects = 0;
    const createProject = (on: Pick<Stack, 'apiUrl' | 'admin'>) =>
      api<ProjectDto>(on, 'POST', `/teams/${demo}/projects`, { slug: `cached-${++projects}` }, person.as).then(
        (r) => r.status,
      );
    const grant = (role: TeamRole) => grantRole(stack, demo, person.email, role);

    await grant('viewer');
    expect(await readTeam(onA())).toBe(200);
    expect(await createProject(onA())).toBe(403);
    expect(await createProject(onB())).toBe(403);

    await grant('admin');
    expect(await createProject(onA())).toBe(201);
    expect(await onBOnce('apply the promotion', 403, () => createProject(onB()))).toBe(201);

    await grant('viewer');
    expect(await createProject(onA())).toBe(403);
    expect(await onBOnce('apply the demotion', 201, () => createProject(onB()))).toBe(403);

    expect(await readTeam(onB())).toBe(200);
    expect((await api(stack, 'DELETE', `/teams/${demo}/members/${person.id}`)).status).toBe(204);
    const refused = await readTeam(onA());
    expect(refused).not.toBe(200);
    expect(await onBOnce('apply the removal', 200, () => readTeam(onB()))).toBe(refused);
  });

  it('lets the creator of a team use it on the next request', async () => {
    expect((await api(stack, 'GET', '/projects', undefined, person.as)).status).toBe(200);
    const team = await createTeam(stack, person.as, 'cached-own');
    expect((await api(stack, 'POST', `/teams/${team.id}/projects`, { slug: 'first' }, person.as)).status).toBe(201);
  });
});
