import type { SweepDetailDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENGINE_ENV,
  expectedKeys,
  holderViolations,
  metricKeys,
  metricsOf,
  statusEvents,
  sweepFinished,
  tinyConfig,
} from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

describe('a sweep over two workers (real engine, real processes)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_sched_sweep', { leaseSeconds: 3 });
    await Promise.all([
      stack.startWorker('sweep-a', { env: ENGINE_ENV }),
      stack.startWorker('sweep-b', { env: ENGINE_ENV }),
    ]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs 8 grid runs, each held by one worker at a time, every one succeeded with all its epoch rows', async () => {
    const epochs = 2;
    const created = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'two workers',
      base: tinyConfig({ epochs }),
      grid: { 'model.arch': ['resnet', 'plain'], seed: [0, 1, 2, 3] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.runs).toHaveLength(8);

    const runs = await sweepFinished(stack, created.body.id, 200_000);
    for (const run of runs) {
      expect(run, `${run.name}: ${run.failureReason}\n${run.stderrTail}`).toMatchObject({
        status: 'succeeded',
        attempt: 1,
      });
      expect(metricKeys(await metricsOf(stack, run.id))).toEqual(expectedKeys(epochs));
    }

    const events = (await statusEvents(stack)).filter((e) => runs.some((r) => r.id === e.runId));
    expect(holderViolations(events)).toEqual([]);
    const workers = new Set<string>();
    for (const run of runs) {
      const own = events.filter((e) => e.runId === run.id);
      expect(
        own.map((e) => e.status),
        JSON.stringify(own, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      ).toEqual(['queued', 'running', 'succeeded']);
      // The worker named by the claim is the one that finished it.
      const [, running, succeeded] = own;
      expect(running?.workerId).toBe(run.workerId);
      expect(succeeded?.workerId).toBe(run.workerId);
      workers.add(run.workerId ?? '');
    }
    // Both workers took part: the second one is not idle while the queue is full.
    expect(workers.size).toBe(2);
  });
});
