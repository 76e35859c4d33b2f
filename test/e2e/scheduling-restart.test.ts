import type { SweepDetailDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { ENGINE_ENV, expectedKeys, metricKeys, metricsOf, sweepFinished, tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

describe('an orchestrator restarted mid-sweep (real engine, real processes)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_sched_restart', { leaseSeconds: 3 });
    await Promise.all([
      stack.startWorker('restart-a', { env: ENGINE_ENV }),
      stack.startWorker('restart-b', { env: ENGINE_ENV }),
    ]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('loses no run and no metric: every run ends succeeded with all its epoch rows', async () => {
    const epochs = 4;
    const created = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'restart',
      base: tinyConfig({ epochs }),
      grid: { seed: [0, 1, 2, 3] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    // Restart while both workers are mid-run: some epochs stored, engines still training.
    await waitFor('two runs to be running with metrics stored', async () => {
      const rows = await query<{ n: string }>(
        stack.db.url,
        `SELECT count(DISTINCT r.id) AS n FROM "Run" r JOIN "EpochMetric" m ON m."runId" = r.id WHERE r.status = 'running'`,
      );
      return Number(rows[0]?.n) >= 2 ? true : undefined;
    });
    // Down for longer than a lease: no worker can heartbeat meanwhile.
    await stack.restartOrchestrator({ downMs: 4_000 });

    const runs = await sweepFinished(stack, created.body.id, 150_000);
    for (const run of runs) {
      // attempt 1: the restart cost no run its lease, though it outlasted one.
      expect(run, `${run.name}: ${run.failureReason}\n${run.stderrTail}`).toMatchObject({
        status: 'succeeded',
        attempt: 1,
      });
      expect(metricKeys(await metricsOf(stack, run.id)), run.name ?? run.id).toEqual(expectedKeys(epochs));
    }
  });
});
