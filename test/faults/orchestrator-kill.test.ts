import type { RunDto, SweepDetailDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrity } from '../support/fault-checks.js';
import { query, queryOne } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { sweepFinished, tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

const EPOCHS = 300;
const KILLS = 3;

/**
 * Issue 9, proof 4: the orchestrator killed with -9 three times while two runs stream epochs into it (a
 * FAKE engine at 40 ms an epoch, so batches are always in flight). A batch whose answer was lost is sent
 * again and recognised by its (attempt, seq); metric rows and their event-log entries commit together.
 * Nothing is lost and nothing is stored twice, in the tables or in the event log.
 */
describe('orchestrator kill -9 in the middle of ingest batches (FAKE engine)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_orchestrator_kill');
    await stack.startWorker('streaming', {
      env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_FAKE_EPOCH_MS: '40', RESLAB_WORKER_SLOTS: '2' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('loses nothing and duplicates nothing', async () => {
    const { body: sweep } = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'orchestrator kill',
      base: tinyConfig({ epochs: EPOCHS }),
      grid: { seed: [0, 1] },
    });
    let kills = 0;
    while (kills < KILLS) {
      await waitFor('epochs streaming in', async () => {
        const { n } = await queryOne<{ n: number }>(stack.db.url, `SELECT count(*)::int AS n FROM "EpochMetric"`);
        return n >= (kills + 1) * 40 ? true : undefined;
      });
      await stack.stopOrchestrator('SIGKILL');
      kills++;
      await stack.startOrchestrator();
    }
    const runs: RunDto[] = await sweepFinished(stack, sweep.id, 120_000);
    expect(runs.map((r) => `${r.status}@${r.attempt}`)).toEqual(['succeeded@1', 'succeeded@1']);
    expect(
      await integrity(
        stack.db.url,
        runs.map((r) => ({ id: r.id, epochs: EPOCHS })),
      ),
    ).toEqual({
      duplicateRows: 0,
      missingEpochs: 0,
      queuedWithoutJob: 0,
      runningWithoutLeaseCheck: 0,
    });
    // One attempt each, so each (run, epoch, split) must be in the event log exactly once.
    const logged = await query<{ n: number }>(
      stack.db.url,
      `SELECT count(*)::int AS n FROM "RunEvent" WHERE type = 'epoch_metric'
        GROUP BY "runId", payload->>'epoch', payload->>'split'`,
    );
    expect(logged).toHaveLength(2 * (2 * EPOCHS + 1));
    expect(logged.filter((l) => l.n !== 1)).toEqual([]);
    // The kills did land while the worker was sending.
    expect(stack.workers[0]?.output()).toMatch(/orchestrator unreachable; buffering on disk/);
  }, 240_000);
});
