/**
 * Ingest throughput: epoch-metric rows per second into Postgres through
 * POST /runs/:id/events, 50 rows per request (the worker's batch) against the
 * baseline of one row per request, measured in the same process on the same
 * stack. The benchmark plays the worker: it registers, claims the run and
 * posts; no engine runs.
 * Run: DATABASE_URL=... npx tsx benchmarks/ingest.ts
 */
import type { ClaimResponse, EpochMetricEvent } from '@reslab/contracts';
import { tinyConfig } from '../test/support/runs.js';
import { api, enrolTestWorker, type Stack, startStack, type TestWorker } from '../test/support/stack.js';

const CLASSES = 10;

function metric(epoch: number): EpochMetricEvent {
  const perClass = Array.from({ length: CLASSES }, () => ({ precision: 0.5, recall: 0.5, f1: 0.5, support: 100 }));
  return {
    v: 1,
    time: new Date().toISOString(),
    type: 'epoch_metric',
    epoch,
    split: 'train',
    loss: 1.2,
    accuracy: 0.5,
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
    perClass,
    weighted: { precision: 0.5, recall: 0.5, f1: 0.5 },
    confusion: Array.from({ length: CLASSES }, () => Array.from({ length: CLASSES }, () => 10)),
    lr: 0.1,
    seconds: 1,
  };
}

/** A run held by `worker`, claimed the way a worker claims. */
async function heldRun(stack: Stack, worker: TestWorker, epochs: number): Promise<string> {
  await api(stack, 'POST', '/runs', { config: tinyConfig({ epochs }) });
  const { body } = await api<ClaimResponse>(stack, 'POST', `/workers/${worker.id}/claim`, undefined, worker.as);
  if (!body.assignment) throw new Error('no run to claim');
  return body.assignment.runId;
}

async function rowsPerSecond(stack: Stack, worker: TestWorker, rows: number, batch: number): Promise<number> {
  const runId = await heldRun(stack, worker, rows);
  const t0 = performance.now();
  for (let first = 1; first <= rows; first += batch) {
    const events = Array.from({ length: Math.min(batch, rows - first + 1) }, (_, i) => metric(first + i));
    const { status } = await api(
      stack,
      'POST',
      `/runs/${runId}/events`,
      {
        workerId: worker.id,
        attempt: 1,
        seq: first,
        events,
      },
      worker.as,
    );
    if (status !== 200) throw new Error(`ingest answered ${status}`);
  }
  return rows / ((performance.now() - t0) / 1000);
}

// A long lease: nobody heartbeats for the benchmark's worker.
const stack = await startStack('reslab_bench_ingest', { leaseSeconds: 3600 });
try {
  const worker = await enrolTestWorker(stack, 'bench', { slots: 4 });
  await rowsPerSecond(stack, worker, 200, 50); // warm-up: JIT, connection pool, Prisma's query plans
  const single = await rowsPerSecond(stack, worker, 1000, 1);
  const batched = await rowsPerSecond(stack, worker, 5000, 50);
  console.log(`ingest, 1 row per request (baseline): ${single.toFixed(0)} rows/s (1000 rows)`);
  console.log(
    `ingest, 50 rows per request:          ${batched.toFixed(0)} rows/s (5000 rows), ${(batched / single).toFixed(1)}x`,
  );
} finally {
  await stack.stop();
}
