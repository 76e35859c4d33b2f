import {
  type AuditPage,
  DISPLAY_PREFIX_LENGTH,
  type RunDto,
  type SweepDetailDto,
  TEAM_ROLES,
  type TeamRole,
  type WorkerDto,
} from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createAccount, createTeam, grantRole, signIn } from '../support/identity.js';
import { tinyConfig } from '../support/runs.js';
import { api, DEMO_TEAM, enrolTestWorker, type Stack, startStack, teamId } from '../support/stack.js';

/** One thing a person may try in team A, and the status each role must get for it. */
interface Action {
  name: string;
  expected: Record<TeamRole, number>;
  /** Makes the request as `who` (the objects it needs are made beforehand, as the admin). */
  run(who: Account, role: TeamRole): Promise<{ status: number; body: unknown }>;
}

const everyone = (status: number): Record<TeamRole, number> => ({
  owner: status,
  admin: status,
  member: status,
  viewer: status,
});
/** `ok` from `from` up (owner > admin > member > viewer), 403 below it. */
const from = (role: TeamRole, ok: number): Record<TeamRole, number> =>
  Object.fromEntries(
    TEAM_ROLES.map((r) => [r, TEAM_ROLES.indexOf(r) <= TEAM_ROLES.indexOf(role) ? ok : 403]),
  ) as Record<TeamRole, number>;

/**
 * A person with each role in team A (not instance admins, so the role alone
 * decides) tries the same actions, and gets exactly what the issue grants:
 * viewer reads; member launches, cancels, retries and shares; admin manages
 * members, projects, enrolment tokens and workers; owner also deletes the team.
 */
describe('roles: each role can do exactly what it should (real orchestrator, real Postgres)', () => {
  let stack: Stack;
  let teamA: string;
  let scratchTeam: string;
  const people = {} as Record<TeamRole, Account>;
  let outsider: Account;

  beforeAll(async () => {
    stack = await startStack('reslab_roles');
    teamA = await teamId(stack, DEMO_TEAM);
    // A scratch team with the same four people, for the one action that cannot be undone.
    scratchTeam = (await createTeam(stack, { token: stack.admin.apiKey }, 'scratch')).id;
    for (const role of TEAM_ROLES) {
      people[role] = await createAccount(stack, role);
      await grantRole(stack, teamA, people[role].email, role);
      await grantRole(stack, scratchTeam, people[role].email, role);
    }
    outsider = await createAccount(stack, 'outsider');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  // The admin is in two teams here, so a bare `default` would be ambiguous.
  const project = `${DEMO_TEAM}/default`;
  const queuedRun = async () => (await api<RunDto>(stack, 'POST', '/runs', { project, config: tinyConfig() })).body;
  const sweep = async () =>
    (
      await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
        project,
        name: 'by-admin',
        base: tinyConfig(),
        grid: { seed: [0] },
      })
    ).body;

  const actions: Action[] = [
    { name: 'GET /runs', expected: everyone(200), run: (who) => api(stack, 'GET', '/runs', undefined, who.as) },
    {
      name: 'GET /runs/:id',
      expected: everyone(200),
      run: async (who) => api(stack, 'GET', `/runs/${(await queuedRun()).id}`, undefined, who.as),
    },
    {
      name: 'GET /sweeps/:id',
      expected: everyone(200),
      run: async (who) => api(stack, 'GET', `/sweeps/${(await sweep()).id}`, undefined, who.as),
    },
    {
      name: 'GET /teams/:id/members',
      expected: everyone(200),
      run: (who) => api(stack, 'GET', `/teams/${teamA}/members`, undefined, who.as),
    },
    {
      name: 'POST /runs',
      expected: from('member', 201),
      run: (who) => api(stack, 'POST', '/runs', { project, config: tinyConfig() }, who.as),
    },
    {
      name: 'POST /sweeps',
      expected: from('member', 201),
      run: (who) =>
        api(stack, 'POST', '/sweeps', { project, name: 'grid', base: tinyConfig(), grid: { seed: [0, 1] } }, who.as),
    },
    {
      name: 'POST /runs/:id/cancel',
      expected: from('member', 200),
      run: async (who) => api(stack, 'POST', `/runs/${(await queuedRun()).id}/cancel`, undefined, who.as),
    },
    {
      name: 'POST /runs/:id/retry',
      expected: from('member', 200),
      run: async (who) => {
        const run = await queuedRun();
        await api(stack, 'POST', `/runs/${run.id}/cancel`);
        return api(stack, 'POST', `/runs/${run.id}/retry`, undefined, who.as);
      },
    },
    {
      name: 'POST /sweeps/:id/cancel',
      expected: from('member', 200),
      run: async (who) => api(stack, 'POST', `/sweeps/${(await sweep()).id}/cancel`, undefined, who.as),
    },
    {
      name: 'POST /sweeps/:id/retry',
      expected: from('member', 200),
      run: async (who) => {
        const { id } = await sweep();
        await api(stack, 'POST', `/sweeps/${id}/cancel`);
        return api(stack, 'POST', `/sweeps/${id}/retry`, undefined, who.as);
      },
    },
    {
      name: 'POST /shares',
      expected: from('member', 201),
      run: async (who) => api(stack, 'POST', '/shares', { kind: 'run', runId: (await queuedRun()).id }, who.as),
    },
    {
      name: 'PUT /teams/:id/members (viewer)',
      expected: from('admin', 200),
      run: (who) => api(stack, 'PUT', `/teams/${teamA}/members`, { email: outsider.email, role: 'viewer' }, who.as),
    },
    {
      name: 'PUT /teams/:id/members (owner)',
      // Only an owner makes another owner.
      expected: from('owner', 200),
      run: async (who) => {
        const candidate = await createAccount(stack, 'candidate');
        return api(stack, 'PUT', `/teams/${teamA}/members`, { email: candidate.email, role: 'owner' }, who.as);
      },
    },
    {
      name: 'DELETE /teams/:id/members/:userId',
      expected: from('admin', 204),
      run: async (who) => {
        await grantRole(stack, teamA, outsider.email, 'viewer');
        return api(stack, 'DELETE', `/teams/${teamA}/members/${outsider.id}`, undefined, who.as);
      },
    },
    {
      name: 'POST /teams/:id/projects',
      expected: from('admin', 201),
      run: (who, role) => api(stack, 'POST', `/teams/${teamA}/projects`, { slug: `by-${role}` }, who.as),
    },
    {
      name: 'POST /workers/enrolment-tokens',
      expected: from('admin', 201),
      run: (who) => api(stack, 'POST', '/workers/enrolment-tokens', { teamId: teamA }, who.as),
    },
    {
      name: 'DELETE /workers/:id',
      expected: from('admin', 200),
      run: async (who, role) => {
        const worker = await enrolTestWorker(stack, `revocable-by-${role}`);
        return api(stack, 'DELETE', `/workers/${worker.id}`, undefined, who.as);
      },
    },
    {
      name: 'GET /teams/:id/audit',
      expected: from('admin', 200),
      run: (who) => api(stack, 'GET', `/teams/${teamA}/audit`, undefined, who.as),
    },
    {
      name: 'DELETE /teams/:id (scratch team)',
      expected: from('owner', 204),
      run: (who) => api(stack, 'DELETE', `/teams/${scratchTeam}`, undefined, who.as),
    },
  ];

  it('answers each role exactly as the issue grants: viewer reads, member launches, admin manages, owner deletes', async () => {
    const wrong: string[] = [];
    const table: Record<string, Record<string, string>> = {};
    // Strongest last, so the owner's delete of the scratch team comes after everyone else was refused it.
    for (const role of [...TEAM_ROLES].reverse()) {
      for (const action of actions) {
        const answer = await action.run(people[role], role);
        const expected = action.expected[role];
        table[action.name] = { ...table[action.name], [role]: String(answer.status) };
        if (answer.status !== expected) {
          wrong.push(
            `${role} ${action.name}: expected ${expected}, got ${answer.status} ${JSON.stringify(answer.body)}`,
          );
        }
      }
    }
    console.table(table);
    console.log(`roles: ${actions.length} actions x ${TEAM_ROLES.length} roles tried, ${wrong.length} wrong`);
    expect(wrong).toEqual([]);
    // The owner's delete took: the scratch team is gone for everyone.
    expect((await api(stack, 'GET', `/teams/${scratchTeam}`)).status).toBe(404);
    const workers = (await api<WorkerDto[]>(stack, 'GET', '/workers')).body;
    expect(workers.filter((w) => w.name === 'revocable-by-admin').map((w) => w.revokedAt === null)).toEqual([false]);
  });

  it("records a member's launch, cancel and retry in the audit log, with their e-mail and the key or session used", async () => {
    const member = people.member;
    const launched = await api<RunDto>(
      stack,
      'POST',
      '/runs',
      { project: `${DEMO_TEAM}/default`, name: 'audited', config: tinyConfig() },
      member.as,
    );
    expect(launched.status).toBe(201);
    expect((await api(stack, 'POST', `/runs/${launched.body.id}/cancel`, undefined, member.as)).status).toBe(200);
    // The retry through a signed-in session, as the dashboard does it.
    const session = await signIn(stack, member.email, member.password);
    expect((await api(stack, 'POST', `/runs/${launched.body.id}/retry`, undefined, { token: session })).status).toBe(
      200,
    );

    const audit = await api<AuditPage>(stack, 'GET', `/teams/${teamA}/audit?limit=100`, undefined, people.admin.as);
    expect(audit.status).toBe(200);
    const about = audit.body.items.filter((e) => e.targetId === launched.body.id);
    const seen = about.map((e) => ({ action: e.action, email: e.actor.email, via: e.via }));
    console.log('audit entries for the run:', JSON.stringify(seen));
    const keyPrefix = member.apiKey.slice(0, DISPLAY_PREFIX_LENGTH);
    const sessionPrefix = session.slice(0, DISPLAY_PREFIX_LENGTH);
    expect(seen).toEqual(
      expect.arrayContaining([
        { action: 'run.create', email: member.email, via: { kind: 'apiKey', prefix: keyPrefix } },
        { action: 'run.cancel', email: member.email, via: { kind: 'apiKey', prefix: keyPrefix } },
        { action: 'run.retry', email: member.email, via: { kind: 'session', prefix: sessionPrefix } },
      ]),
    );
    expect(about.every((e) => e.actor.userId === member.id)).toBe(true);
    // The prefix tells keys apart; the secret itself is nowhere in the log.
    expect(JSON.stringify(audit.body)).not.toContain(member.apiKey);
    expect(JSON.stringify(audit.body)).not.toContain(session);
  });
});
