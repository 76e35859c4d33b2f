import type { ClaimResponse, EpochMetricDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import { epochMetric, tinyConfig } from '../support/runs.js';
import { api, enrolTestWorker, type Stack, startStack } from '../support/stack.js';

/** The test plays the worker, so it decides exactly which attempt writes what (real Postgres, no engine). */
describe('every worker write is fenced by attempt', () => {
  let stack: Stack;
  let workerId: string;
  let workerSecret: string;

  /** The worker protocol, spoken with this test's own worker secret. */
  const workerApi = <T = unknown>(method: string, path: string, body?: unknown) =>
    api<T>(stack, method, path, body, { token: workerSecret });

  beforeAll(async () => {
    stack = await startStack('reslab_fencing', { leaseSeconds: 2 });
    ({ id: workerId, secret: workerSecret } = await enrolTestWorker(stack, 'test-as-worker', { slots: 2 }));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('fences a stale attempt: after the run is claimed again, attempt 1 gets 409 and changes nothing', async () => {
    await api(stack, 'POST', '/runs', { config: tinyConfig() });
    const first = (await workerApi<ClaimResponse>('POST', `/workers/${workerId}/claim`)).body.assignment;
    expect(first?.attempt).toBe(1);
    const fencedRun = first?.runId as string;
    const send = (attempt: number, seq: number, loss: number) =>
      workerApi<{ message?: string }>('POST', `/runs/${fencedRun}/events`, {
        workerId,
        attempt,
        seq,
        events: [epochMetric(1, 'train', loss)],
      });
    expect((await send(1, 1, 2.0)).status).toBe(200);
    // A write that does not say which attempt and batch it is gets a 400 naming the fields, and stores nothing.
    const unnamed = await workerApi<{ issues: { path: string }[] }>('POST', `/runs/${fencedRun}/events`, {
      workerId,
      events: [epochMetric(1, 'train', 7.7)],
    });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.issues.map((i) => i.path).sort()).toEqual(['attempt', 'seq']);
    // No heartbeat: the 2 s lease runs out as if the worker had vanished, the run goes back to the queue,
    // and the same worker claims it again (the case where one worker could hold two attempts of a run).
    const again = await waitFor('the run to be requeued and claimed again', async () => {
      const { body } = await workerApi<ClaimResponse>('POST', `/workers/${workerId}/claim`);
      return body.assignment?.runId === fencedRun ? body.assignment : undefined;
    });
    expect(again.attempt).toBe(2);
    const stale = await send(1, 2, 9.9);
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/attempt 1 is not held .*running at attempt 2/);
    const finish = await workerApi('POST', `/runs/${fencedRun}/finish`, {
      workerId,
      attempt: 1,
      status: 'succeeded',
      exitCode: 0,
      signal: null,
      failureReason: null,
      stderrTail: null,
    });
    expect(finish.status).toBe(409);
    const { body } = await api<EpochMetricDto[]>(stack, 'GET', `/runs/${fencedRun}/metrics`);
    expect(body.map((m) => m.loss)).toEqual([2.0]);
    expect((await send(2, 1, 1.0)).status).toBe(200);
    // A heartbeat for the stale attempt renews nothing and tells the worker to stop that engine.
    const beat = await workerApi<{ stop: unknown[] }>('POST', `/workers/${workerId}/heartbeat`, {
      runs: [{ runId: fencedRun, attempt: 1 }],
    });
    expect(beat.body.stop).toEqual([{ runId: fencedRun, attempt: 1 }]);
  });
});
