import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrity } from '../support/fault-checks.js';
import { query, queryOne } from '../support/postgres.js';
import { pidsMatching, waitFor } from '../support/processes.js';
import { ENGINE_ENV, metricsOf, runWhen, tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

// Long enough that the engine is still training when the worker is killed.
const EPOCHS = 40;

/** `epoch:split` of every epoch metric a worker's outbox journals hold unacknowledged. */
function journaledMetrics(outboxDir: string): string[] {
  const keys: string[] = [];
  for (const name of readdirSync(outboxDir).filter((n) => n.endsWith('.jsonl'))) {
    const lines = readFileSync(join(outboxDir, name), 'utf8').split('\n').filter(Boolean);
    const parsed = lines.flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
    const acked = Math.max(0, ...parsed.filter((p) => typeof p.ack === 'number').map((p) => p.ack));
    for (const entry of parsed.filter((p) => typeof p.seq === 'number' && p.seq > acked)) {
      if (entry.item.kind !== 'events') continue;
      for (const e of entry.item.events) if (e.type === 'epoch_metric') keys.push(`${e.epoch}:${e.split}`);
    }
  }
  return keys.sort();
}

/**
 * Issue 9, proof 3: a worker killed with -9 while the orchestrator is down, with epochs waiting in its
 * outbox. Its engine stops with it (PR_SET_PDEATHSIG), and the restarted worker delivers every journaled
 * item, while the run is still on its first attempt, before the run resumes. Real engine.
 */
describe('worker kill -9 with undelivered outbox items', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_worker_kill');
    await stack.startWorker('killed', { env: ENGINE_ENV });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('delivers every journaled item after the worker restarts', async () => {
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig({ epochs: EPOCHS }) });
    await waitFor('an epoch stored', async () => ((await metricsOf(stack, run.id)).length ? true : undefined));

    await stack.stopOrchestrator();
    const outboxDir = join(stack.workDir, 'killed', 'outbox');
    await waitFor('two epochs waiting in the outbox', async () =>
      journaledMetrics(outboxDir).filter((k) => k.endsWith(':train')).length >= 2 ? true : undefined,
    );
    const worker = stack.workers[0];
    worker?.child.kill('SIGKILL');
    await worker?.exited;
    const journaled = journaledMetrics(outboxDir);
    await waitFor('the engine to stop with its worker', async () =>
      pidsMatching(`${run.id}/attempt-1`).length === 0 ? true : undefined,
    );

    await stack.startOrchestrator();
    const restarted = await stack.startWorker('killed', { env: ENGINE_ENV });
    const done = await runWhen(stack, run.id, (r) => r.status === 'succeeded', 180_000);
    expect(restarted.output()).toMatch(/delivering the outbox an earlier worker process left/);
    expect(done.attempt).toBe(2);

    // Each journaled epoch reached the log while attempt 1 still held the run: delivered from the journal,
    // not trained again by attempt 2.
    const { left } = await queryOne<{ left: string }>(
      stack.db.url,
      `SELECT min(id)::text AS left FROM "RunEvent" WHERE "runId" = $1 AND type = 'status'
          AND payload->>'status' = 'queued' AND (payload->>'attempt')::int = 1`,
      [run.id],
    );
    const delivered = await query<{ key: string }>(
      stack.db.url,
      `SELECT DISTINCT (payload->>'epoch') || ':' || (payload->>'split') AS key FROM "RunEvent"
        WHERE "runId" = $1 AND type = 'epoch_metric' AND id < $2::bigint`,
      [run.id, left],
    );
    const deliveredKeys = new Set(delivered.map((d) => d.key));
    expect(journaled.length).toBeGreaterThanOrEqual(2);
    expect(journaled.filter((k) => !deliveredKeys.has(k))).toEqual([]);
    expect(readdirSync(outboxDir).filter((n) => n.endsWith('.jsonl'))).toEqual([]);
    expect(await integrity(stack.db.url, [{ id: run.id, epochs: EPOCHS }])).toMatchObject({
      duplicateRows: 0,
      missingEpochs: 0,
    });
  }, 300_000);
});
