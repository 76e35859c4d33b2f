import type { ApiError, ArtifactDto, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import {
  ENGINE_ENV,
  expectedKeys,
  FINISHED,
  metricKeys,
  metricsOf,
  pidsOf,
  runWhen,
  tinyConfig,
} from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

/** The events of one type a run's log holds, oldest first. */
async function eventsOf(stack: Stack, runId: string, type: string): Promise<Record<string, unknown>[]> {
  const rows = await query<{ payload: Record<string, unknown> }>(
    stack.db.url,
    `SELECT payload FROM "RunEvent" WHERE "runId" = $1 AND type = $2 ORDER BY id`,
    [runId, type],
  );
  return rows.map((r) => r.payload);
}

/** Every line of the worker's log, parsed (pino JSON), in its order. */
function workerLog(stack: Stack): Record<string, unknown>[] {
  return (stack.workers[0]?.output() ?? '')
    .split('\n')
    .filter((line) => line.includes('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** The worker's engine starts and ends, in order. */
function workerEngineLines(stack: Stack): { runId: string; msg: string }[] {
  return workerLog(stack)
    .filter((line) => line.msg === 'engine started' || line.msg === 'engine ended')
    .map((line) => ({ runId: line.runId as string, msg: line.msg as string }));
}

/** The worker's log lines about `runId` with message `msg`, parsed (pino JSON). */
function workerLines(stack: Stack, runId: string, msg: string): Record<string, unknown>[] {
  return workerLog(stack).filter((line) => line.msg === msg && line.runId === runId);
}

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/**
 * Runs of resources.gpus = 2 on one CPU worker of two slots: the worker launches `reslab_engine launch` (torchrun,
 * two gloo processes), holds both slots, and takes such a run only when both are free. Real orchestrator, worker,
 * engine and Postgres.
 */
describe('multi-GPU runs: two processes under torchrun on a worker of two slots (CPU, gloo)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_multi_gpu', { leaseSeconds: 5 });
    await stack.startWorker('two-slots', { env: { ...ENGINE_ENV, RESLAB_WORKER_SLOTS: '2' } });
    await waitFor('the worker to register', async () => {
      const { body } = await api<{ slots: number }[]>(stack, 'GET', '/workers');
      return body.some((w) => w.slots === 2) ? true : undefined;
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a run or a sweep larger than any worker seen, naming the field and the largest worker', async () => {
    const tooWide = await api<ApiError>(stack, 'POST', '/runs', { config: tinyConfig({ resources: { gpus: 4 } }) });
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.issues?.[0]?.path).toBe('config.resources.gpus');
    expect(tooWide.body.message).toMatch(/largest worker seen for this team has 2 slots/);

    const tooMany = await api<ApiError>(stack, 'POST', '/runs', {
      config: tinyConfig({ resources: { gpus: 2, nodes: 2 } }),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues?.[0]?.path).toBe('config.resources.nodes');

    const sweep = await api<ApiError>(stack, 'POST', '/sweeps', {
      name: 'too wide',
      base: tinyConfig(),
      grid: { 'resources.gpus': [1, 3] },
    });
    expect(sweep.status).toBe(400);
    expect(sweep.body.issues?.[0]?.path).toBe('config.resources.gpus');
  });

  it('trains a 2-process run to the end with one event stream and a checkpoint, only once both slots are free', async () => {
    // A 1-slot run holds one slot; the 2-slot run queued after it waits for the other, and the 1-slot run queued
    // after that waits behind it (the worker reserves its slots for the larger run instead of passing it forever).
    const small = await api<RunDto>(stack, 'POST', '/runs', { name: 'small first', config: tinyConfig({ epochs: 3 }) });
    await runWhen(stack, small.body.id, (r) => r.status === 'running', 30_000);
    const config = tinyConfig({ resources: { gpus: 2 } });
    const wide = await api<RunDto>(stack, 'POST', '/runs', { name: 'two processes', config });
    expect(wide.status, JSON.stringify(wide.body)).toBe(201);
    const later = await api<RunDto>(stack, 'POST', '/runs', { name: 'small later', config: tinyConfig({ epochs: 1 }) });

    await runWhen(stack, small.body.id, (r) => r.status === 'succeeded', 60_000);
    const done = await runWhen(stack, wide.body.id, (r) => r.status !== 'queued' && r.status !== 'running', 60_000);
    expect(done, `${done.failureReason}\n${done.stderrTail}`).toMatchObject({ status: 'succeeded', attempt: 1 });
    await runWhen(stack, later.body.id, (r) => r.status === 'succeeded', 60_000);
    // The worker's log, in its order: the 2-slot run started once the 1-slot run's engine had ended, and the later
    // 1-slot run did not pass it (the free slot was held back for it).
    const order = workerEngineLines(stack).map(({ runId, msg }) => `${msg} ${runId}`);
    expect(order).toEqual([
      `engine started ${small.body.id}`,
      `engine ended ${small.body.id}`,
      `engine started ${wide.body.id}`,
      `engine ended ${wide.body.id}`,
      `engine started ${later.body.id}`,
      `engine ended ${later.body.id}`,
    ]);

    // Only rank 0 writes the stream: one run_started (for a world of 2), each epoch's metrics once in the log.
    const started = workerLines(stack, wide.body.id, 'run started');
    expect(started.map((line) => line.worldSize)).toEqual([2]);
    const logged = await eventsOf(stack, wide.body.id, 'epoch_metric');
    expect(metricKeys(logged as { epoch: number; split: 'train' }[])).toEqual(expectedKeys(2));
    expect(metricKeys(await metricsOf(stack, wide.body.id))).toEqual(expectedKeys(2));
    const [engine] = workerLines(stack, wide.body.id, 'engine started');
    expect(engine?.slots).toBe(2);
    const artifacts = (await api<ArtifactDto[]>(stack, 'GET', `/runs/${wide.body.id}/artifacts`)).body;
    expect([...new Set(artifacts.map((a) => a.kind))].sort()).toEqual(['checkpoint', 'weights']);
  }, 120_000);

  it('stops every rank of a 2-process run on cancel: SIGTERM to the group, a checkpoint, exit 143', async () => {
    const data = { dataset: 'synthetic' as const, valSize: 200, trainSubset: 1200, testSubset: 200 };
    const config = tinyConfig({ resources: { gpus: 2 }, epochs: 8, data });
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { name: 'stop two', config });
    await waitFor('the first epoch to be stored, or the run to end', async () => {
      if ((await metricsOf(stack, run.id)).length) return true;
      const { body } = await api<RunDto>(stack, 'GET', `/runs/${run.id}`);
      return FINISHED.includes(body.status) ? true : undefined;
    });
    const running = (await api<RunDto>(stack, 'GET', `/runs/${run.id}`)).body;
    expect(running, `${running.failureReason}\n${running.stderrTail}`).toMatchObject({ status: 'running' });
    // The launcher and its two ranks each carry the run's folder on their command lines.
    const pids = pidsOf(run.id);
    expect(pids.length, `processes of the run: ${pids.join(', ')}`).toBeGreaterThanOrEqual(3);

    expect((await api(stack, 'POST', `/runs/${run.id}/cancel`)).status).toBe(200);
    const stopped = await runWhen(stack, run.id, (r) => r.status !== 'running', 60_000);
    expect(stopped, `${stopped.failureReason}\n${stopped.stderrTail}`).toMatchObject({
      status: 'cancelled',
      exitCode: 143,
    });
    await waitFor('every rank to be gone', async () => (pids.every(gone) ? true : undefined), 10_000);
    const artifacts = (await api<ArtifactDto[]>(stack, 'GET', `/runs/${run.id}/artifacts`)).body;
    expect(artifacts.map((a) => a.kind)).toContain('checkpoint');
  }, 90_000);

  it('leaves no rank behind when the worker itself is killed with SIGKILL mid-run', async () => {
    const data = { dataset: 'synthetic' as const, valSize: 200, trainSubset: 1200, testSubset: 200 };
    const config = tinyConfig({ resources: { gpus: 2 }, epochs: 8, data });
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { name: 'orphan two', config });
    await waitFor('the first epoch to be stored', async () =>
      (await metricsOf(stack, run.id)).length ? true : undefined,
    );
    const pids = pidsOf(run.id);
    expect(pids.length, `processes of the run: ${pids.join(', ')}`).toBeGreaterThanOrEqual(3);
    await stack.workers[0]?.stop('SIGKILL');
    // The launcher asks for SIGTERM on the worker's death and stops its ranks, which checkpoint and exit.
    await waitFor(
      'the launcher and every rank to be gone',
      async () => (pids.every(gone) ? true : undefined),
      30_000,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}; alive: ${pids.filter((pid) => !gone(pid)).join(', ')}`);
    });
  }, 90_000);
});
