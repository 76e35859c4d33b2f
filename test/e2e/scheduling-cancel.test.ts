import type { Page, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/processes.js';
import {
  ENGINE_ENV,
  expectedKeys,
  metricKeys,
  metricsOf,
  pidsOf,
  runWhen,
  statusEvents,
  tinyConfig,
} from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

describe('cancel and retry a running run (real engine, real processes)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_sched_cancel', { leaseSeconds: 3 });
    await stack.startWorker('cancel-worker', { env: ENGINE_ENV });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('stops the engine with SIGTERM after a checkpoint, ends cancelled, and a retry resumes to success', async () => {
    const epochs = 6;
    const config = tinyConfig({ epochs, data: { dataset: 'synthetic', valSize: 200, trainSubset: 1200 } });
    const { body: created } = await api<RunDto>(stack, 'POST', '/runs', { name: 'cancel me', config });
    await waitFor('the first epoch to be stored', async () =>
      (await metricsOf(stack, created.id)).length ? true : undefined,
    );
    const engines = pidsOf(created.id);
    expect(engines.length, 'the engine is running').toBeGreaterThan(0);

    const cancelled = await api<RunDto>(stack, 'POST', `/runs/${created.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancelRequestedAt).not.toBeNull();
    const stopped = await runWhen(stack, created.id, (r) => r.status !== 'running', 30_000);
    // 143 = 128 + SIGTERM: the engine's own exit after its checkpoint, not a kill.
    expect(stopped, stopped.stderrTail ?? '').toMatchObject({ status: 'cancelled', exitCode: 143, attempt: 1 });
    expect(stopped.stderrTail).toMatch(/SIGTERM: stopping after the current step/);
    expect(metricKeys(await metricsOf(stack, created.id)).length).toBeLessThan(expectedKeys(epochs).length);
    for (const pid of engines) expect(() => process.kill(pid, 0), `engine ${pid} has exited`).toThrow();

    const retried = await api<RunDto>(stack, 'POST', `/runs/${created.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('queued');
    const done = await runWhen(stack, created.id, (r) => r.status !== 'queued' && r.status !== 'running', 60_000);
    expect(done, `${done.failureReason}\n${done.stderrTail}`).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      cancelRequestedAt: null,
    });
    expect(done.stderrTail, 'the retry resumed from the checkpoint').toMatch(/resuming .* after epoch \d+, step \d+/);
    expect(metricKeys(await metricsOf(stack, created.id))).toEqual(expectedKeys(epochs));

    const events = (await statusEvents(stack)).filter((e) => e.runId === created.id);
    expect(events.map((e) => `${e.status}:${e.attempt}`)).toEqual([
      'queued:0',
      'running:1',
      'cancelled:1',
      'queued:1',
      'running:2',
      'succeeded:2',
    ]);
  });

  it('refuses to retry a run that succeeded, and to cancel a finished one', async () => {
    const [run] = (await api<Page<RunDto>>(stack, 'GET', '/runs?status=succeeded')).body.items;
    expect((await api(stack, 'POST', `/runs/${run?.id}/retry`)).status).toBe(409);
    expect((await api(stack, 'POST', `/runs/${run?.id}/cancel`)).status).toBe(409);
  });
});
