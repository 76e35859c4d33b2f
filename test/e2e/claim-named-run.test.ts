import type { ClaimResponse, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createTeam } from '../support/identity.js';
import { queryOne } from '../support/postgres.js';
import { tinyConfig } from '../support/runs.js';
import { api, enrolTestWorker, type Stack, startStack, type TestWorker } from '../support/stack.js';

/**
 * A claim that names a run (`{"runId"}`, the one-run mode of a Kubernetes Job's worker, docs/kubernetes.md) gets that
 * run only: while it is queued, and only if the worker serves its team; never the queue's next run instead. The test
 * plays the workers over HTTP. Real orchestrator, real Postgres and pg-boss; no engine.
 */
describe('a claim naming a run', () => {
  let stack: Stack;
  let worker: TestWorker;
  let otherKey: string;

  beforeAll(async () => {
    stack = await startStack('reslab_claim_named');
    worker = await enrolTestWorker(stack, 'named-claims');
    const other = await createAccount(stack, 'named-other-owner');
    otherKey = other.apiKey;
    await createTeam(stack, other.as, 'named-other');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const submit = async (name: string, key = stack.admin.apiKey) =>
    (await api<RunDto>(stack, 'POST', '/runs', { name, config: tinyConfig() }, { token: key })).body.id;
  const claim = (body: object) => api<ClaimResponse>(stack, 'POST', `/workers/${worker.id}/claim`, body, worker.as);

  it('hands over the named run even behind others in the queue, and nothing once it is taken', async () => {
    const first = await submit('first in the queue');
    const named = await submit('the named one');
    const answer = await claim({ runId: named });
    expect(answer.status).toBe(200);
    expect(answer.body.assignment?.runId).toBe(named);
    expect(answer.body.assignment?.attempt).toBe(1);
    // Taken: a second claim for it gets nothing, and not the queue's next run either.
    expect((await claim({ runId: named })).body.assignment).toBeNull();
    // Its queue job went with the claim, so a Job launcher's queues do not fill with jobs no one will take.
    const waiting = await queryOne<{ count: number }>(
      stack.db.url,
      `SELECT count(*)::int AS count FROM pgboss.job WHERE singleton_key = $1 AND state IN ('created', 'retry')`,
      [named],
    );
    expect(waiting.count).toBe(0);
    // The queue still hands out the first run.
    expect((await claim({})).body.assignment?.runId).toBe(first);
    expect((await claim({})).body.assignment).toBeNull();
  });

  it("gives nothing for a cancelled run, another team's run, or an unknown one", async () => {
    const cancelled = await submit('cancelled');
    await api(stack, 'POST', `/runs/${cancelled}/cancel`);
    expect((await claim({ runId: cancelled })).body.assignment).toBeNull();

    const theirs = await submit('their run', otherKey);
    expect((await claim({ runId: theirs })).body.assignment).toBeNull();
    const run = await api<RunDto>(stack, 'GET', `/runs/${theirs}`, undefined, { token: otherKey });
    expect(run.body.status).toBe('queued');

    expect((await claim({ runId: '00000000-0000-4000-8000-000000000000' })).body.assignment).toBeNull();
  });

  it('refuses a runId that is not a UUID with a 400 naming the field', async () => {
    const answer = await claim({ runId: 'reslab-0f1e2d3c-a1' });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('runId');
  });
});
