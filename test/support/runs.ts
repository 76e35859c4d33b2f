import { execFileSync } from 'node:child_process';
import type {
  AnalysisDetailDto,
  EpochMetricDto,
  EpochMetricEvent,
  Page,
  RunConfigInput,
  RunDto,
} from '@reslab/contracts';
import { query } from './postgres.js';
import { waitFor } from './processes.js';
import { api, type Stack } from './stack.js';

/**
 * One intra-op thread per engine. On 2 shared cores torch's default (a thread
 * per core) spins against the other processes: a tiny run measured 24 s
 * instead of 4 s. Results stay deterministic for a fixed thread count.
 */
export const ENGINE_ENV = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/** A ResNet-8 on synthetic data: seconds per epoch on one CPU thread. */
export function tinyConfig(overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    model: { arch: 'resnet', depth: 8 },
    data: { dataset: 'synthetic', valSize: 200, trainSubset: 600, testSubset: 200 },
    optim: { lr: 0.05, batchSize: 50 },
    diagnostics: { gradFlowBatches: 0 },
    epochs: 2,
    seed: 0,
    ...overrides,
  };
}

/** An epoch_metric event as an engine prints it, for tests that play the worker; `loss` tells batches apart. */
export function epochMetric(epoch: number, split: 'train' | 'val', loss: number): EpochMetricEvent {
  return {
    v: 1,
    time: new Date().toISOString(),
    type: 'epoch_metric',
    epoch,
    split,
    loss,
    accuracy: 0.5,
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
    perClass: [{ precision: 0.5, recall: 0.5, f1: 0.5, support: 10 }],
    lr: 0.1,
    seconds: 1,
  };
}

export const FINISHED: RunDto['status'][] = ['succeeded', 'failed', 'cancelled'];

export async function runWhen(
  stack: Stack,
  id: string,
  done: (run: RunDto) => boolean,
  timeoutMs = 120_000,
): Promise<RunDto> {
  return waitFor(
    `run ${id} to reach the expected state`,
    async () => {
      const { body } = await api<RunDto>(stack, 'GET', `/runs/${id}`);
      return done(body) ? body : undefined;
    },
    timeoutMs,
  );
}

/** Every run `GET /runs?<filter>` lists, newest first, following nextCursor a page of 1,000 at a time. */
/** GET /analyses/:id until `done` holds for it; by default, until it has ended (its jobs all finished). */
export async function analysisWhen(
  stack: Stack,
  id: string,
  done: (analysis: AnalysisDetailDto) => boolean = (a) => FINISHED.includes(a.status),
  timeoutMs = 120_000,
): Promise<AnalysisDetailDto> {
  return waitFor(
    `analysis ${id} to reach the expected state`,
    async () => {
      const { body } = await api<AnalysisDetailDto>(stack, 'GET', `/analyses/${id}`);
      return done(body) ? body : undefined;
    },
    timeoutMs,
  );
}

export async function allRuns(stack: Stack, filter = ''): Promise<RunDto[]> {
  const runs: RunDto[] = [];
  let cursor: string | null = null;
  do {
    const path: string = `/runs?limit=1000${filter ? `&${filter}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
    const { status, body } = await api<Page<RunDto>>(stack, 'GET', path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${JSON.stringify(body)}`);
    runs.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return runs;
}

/** Waits until no run of the sweep is queued or running, and returns them all. */
export async function sweepFinished(stack: Stack, sweepId: string, timeoutMs = 180_000): Promise<RunDto[]> {
  return waitFor(
    `every run of sweep ${sweepId} to finish`,
    async () => {
      const runs = await allRuns(stack, `sweepId=${sweepId}`);
      return runs.length && runs.every((r) => FINISHED.includes(r.status)) ? runs : undefined;
    },
    timeoutMs,
  );
}

export async function metricsOf(stack: Stack, runId: string): Promise<EpochMetricDto[]> {
  return (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${runId}/metrics`)).body;
}

/** `epoch:split` of every stored row, sorted, duplicates kept (a duplicate row would show twice). */
export function metricKeys(metrics: Pick<EpochMetricDto, 'epoch' | 'split'>[]): string[] {
  return metrics.map((m) => `${m.epoch}:${m.split}`).sort();
}

/** The rows a finished run of `epochs` epochs must have: train and val each epoch, test at the end. */
export function expectedKeys(epochs: number, val = true): string[] {
  const keys = [`${epochs}:test`];
  for (let e = 1; e <= epochs; e++) keys.push(`${e}:train`, ...(val ? [`${e}:val`] : []));
  return keys.sort();
}

export interface StatusEvent {
  id: bigint;
  runId: string;
  status: RunDto['status'];
  attempt: number;
  workerId: string | null;
}

/** Every status change in the RunEvent log, oldest first. */
export async function statusEvents(stack: Stack): Promise<StatusEvent[]> {
  const rows = await query<{ id: string; runId: string; payload: Record<string, unknown> }>(
    stack.db.url,
    `SELECT id::text AS id, "runId", payload FROM "RunEvent" WHERE type = 'status' ORDER BY "RunEvent".id`,
  );
  return rows.map((r) => ({
    id: BigInt(r.id),
    runId: r.runId,
    status: r.payload.status as RunDto['status'],
    attempt: r.payload.attempt as number,
    workerId: (r.payload.workerId as string | null | undefined) ?? null,
  }));
}

/**
 * Checks the log tells a consistent story of who held each run: every
 * `running` event names a worker and a new attempt, and a run leaves
 * `running` (to queued or an end state) before it can be running again.
 * Returns one message per violation.
 */
export function holderViolations(events: StatusEvent[]): string[] {
  const problems: string[] = [];
  const holder = new Map<string, { workerId: string; attempt: number } | null>();
  const lastAttempt = new Map<string, number>();
  for (const e of events) {
    const current = holder.get(e.runId) ?? null;
    if (e.status === 'running') {
      if (!e.workerId) problems.push(`run ${e.runId}: running event ${e.id} names no worker`);
      if (current) {
        problems.push(
          `run ${e.runId}: claimed by ${e.workerId} (attempt ${e.attempt}) while ${current.workerId} held attempt ${current.attempt}`,
        );
      }
      if (e.attempt !== (lastAttempt.get(e.runId) ?? 0) + 1) {
        problems.push(`run ${e.runId}: attempt ${e.attempt} follows attempt ${lastAttempt.get(e.runId) ?? 0}`);
      }
      lastAttempt.set(e.runId, e.attempt);
      holder.set(e.runId, { workerId: e.workerId ?? '?', attempt: e.attempt });
    } else {
      holder.set(e.runId, null);
    }
  }
  return problems;
}

/** Pids of processes whose command line mentions the run: its engine (the run directory is named by the id). */
export function pidsOf(runId: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', runId]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
