import type { ClaimResponse, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createTeam } from '../support/identity.js';
import { tinyConfig } from '../support/runs.js';
import { api, enrolTestWorker, type Stack, startStack, type TestWorker, teamId } from '../support/stack.js';

/**
 * A worker claims only runs of the teams it serves (issue 8): a team's worker takes its team's queue, a shared
 * worker takes every team's in turn. The test plays the workers (enrolled, claiming over HTTP), so it sees
 * exactly which run each claim hands out. Real orchestrator, real Postgres and pg-boss; no engine.
 */
describe('workers claim only the runs of the teams they serve', () => {
  let stack: Stack;
  let demoWorker: TestWorker;
  let otherWorker: TestWorker;
  let sharedWorker: TestWorker;
  let otherKey: string;

  beforeAll(async () => {
    stack = await startStack('reslab_team_queues');
    const other = await createAccount(stack, 'other-owner');
    otherKey = other.apiKey;
    const team = await createTeam(stack, other.as, 'other');
    demoWorker = await enrolTestWorker(stack, 'demo-only', { teamId: await teamId(stack, 'demo') });
    // The other team's admin enrols its own worker; the instance admin enrols a shared one.
    const token = await api<{ token: string }>(
      stack,
      'POST',
      '/workers/enrolment-tokens',
      { teamId: team.id },
      other.as,
    );
    expect(token.status).toBe(201);
    const enrolled = await api<{ worker: { id: string }; secret: string }>(
      stack,
      'POST',
      '/workers/enrol',
      { enrolmentToken: token.body.token, name: 'other-only', host: 'test', slots: 1 },
      { token: null },
    );
    otherWorker = { id: enrolled.body.worker.id, secret: enrolled.body.secret, as: { token: enrolled.body.secret } };
    sharedWorker = await enrolTestWorker(stack, 'shared', { teamId: null });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const claim = async (worker: TestWorker): Promise<string | null> =>
    (await api<ClaimResponse>(stack, 'POST', `/workers/${worker.id}/claim`, undefined, worker.as)).body.assignment
      ?.runId ?? null;
  const submit = async (key: string, name: string) =>
    (await api<RunDto>(stack, 'POST', '/runs', { name, config: tinyConfig() }, { token: key })).body.id;

  it("leaves another team's run queued, hands it to its own team's worker, and the shared worker alternates teams", async () => {
    const demoRun = await submit(stack.admin.apiKey, 'demo run');
    expect(await claim(otherWorker)).toBeNull();
    expect(await claim(demoWorker)).toBe(demoRun);

    const otherRun = await submit(otherKey, 'other run');
    expect(await claim(demoWorker)).toBeNull();
    expect(await claim(otherWorker)).toBe(otherRun);

    // Two runs in each team: the shared worker takes one team's, then the other's, then back (fair share).
    const queued = [
      await submit(stack.admin.apiKey, 'demo 1'),
      await submit(stack.admin.apiKey, 'demo 2'),
      await submit(otherKey, 'other 1'),
      await submit(otherKey, 'other 2'),
    ];
    const taken = [
      await claim(sharedWorker),
      await claim(sharedWorker),
      await claim(sharedWorker),
      await claim(sharedWorker),
    ];
    expect(new Set(taken)).toEqual(new Set(queued));
    const teamOf = (id: string | null | undefined) => (queued.indexOf(id as string) < 2 ? 'demo' : 'other');
    console.log(`shared worker's claims by team: ${taken.map(teamOf).join(', ')}`);
    expect(teamOf(taken[0])).not.toBe(teamOf(taken[1]));
    expect(teamOf(taken[2])).not.toBe(teamOf(taken[3]));
    expect(await claim(sharedWorker)).toBeNull();
  });
});
