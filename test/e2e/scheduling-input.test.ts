import type { ApiError, Page, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../support/postgres.js';
import type { ManagedProcess } from '../support/processes.js';
import { expectedKeys, metricKeys, metricsOf, runWhen, tinyConfig } from '../support/runs.js';
import { api, enrolTestWorker, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

async function count(stack: Stack, table: string): Promise<number> {
  return Number((await query<{ n: string }>(stack.db.url, `SELECT count(*) AS n FROM "${table}"`))[0]?.n);
}

describe('bad input at each edge (FAKE engine that also prints bad lines)', () => {
  let stack: Stack;
  let worker: ManagedProcess;

  beforeAll(async () => {
    stack = await startStack('reslab_sched_input', { leaseSeconds: 3 });
    worker = await stack.startWorker('input-worker', {
      env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_FAKE_BAD_LINES: '1' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a sweep with an invalid combination with a 400 naming it, and stores nothing', async () => {
    const { status, body } = await api<ApiError>(stack, 'POST', '/sweeps', {
      name: 'bad depth',
      base: tinyConfig(),
      grid: { 'model.depth': [8, 21], seed: [0, 1] },
    });
    expect(status).toBe(400);
    expect(body.message).toMatch(/model\.depth=21/);
    // Both combinations with depth 21 are named, and none of the valid ones.
    const named = (body.issues ?? []).map((i) => i.message);
    expect(named.filter((m) => /model\.depth=21, seed=0/.test(m))).not.toHaveLength(0);
    expect(named.filter((m) => /model\.depth=21, seed=1/.test(m))).not.toHaveLength(0);
    expect(named.filter((m) => /model\.depth=8/.test(m))).toHaveLength(0);
    expect(await count(stack, 'Sweep')).toBe(0);
    expect(await count(stack, 'Run')).toBe(0);
    expect(await count(stack, 'RunEvent')).toBe(0);
  });

  it('skips a line that is not JSON and an event that breaks the contract; the run goes on to succeed', async () => {
    const created = await api<RunDto>(stack, 'POST', '/runs', { name: 'bad lines', config: tinyConfig({ epochs: 3 }) });
    const run = await runWhen(stack, created.body.id, (r) => r.status !== 'queued' && r.status !== 'running', 30_000);
    expect(run, `${run.failureReason}\n${run.stderrTail}`).toMatchObject({ status: 'succeeded', attempt: 1 });
    const metrics = await metricsOf(stack, run.id);
    expect(metricKeys(metrics)).toEqual(expectedKeys(3));
    // The contract-breaking line claimed accuracy 1.5; no stored row took it.
    expect(metrics.every((m) => m.accuracy <= 1)).toBe(true);
    const logged = worker
      .output()
      .split('\n')
      .filter((line) => line.includes(run.id));
    expect(logged.some((line) => line.includes('not JSON; skipped'))).toBe(true);
    expect(logged.some((line) => line.includes('breaks the contract; skipped') && line.includes('accuracy'))).toBe(
      true,
    );
  });

  it('refuses metrics from a worker that does not hold the run (409), storing nothing', async () => {
    const { body: runs } = await api<Page<RunDto>>(stack, 'GET', '/runs?status=succeeded');
    const run = runs.items[0] as RunDto;
    const before = await metricsOf(stack, run.id);
    // A registered worker, just not the holder: its claim is the only thing that would make it one.
    const other = await enrolTestWorker(stack, 'not-the-holder');
    const metric = before.find((m) => m.split === 'train') as (typeof before)[number];
    const { runId: _runId, ...fields } = metric;
    const { status, body } = await api<ApiError>(
      stack,
      'POST',
      `/runs/${run.id}/events`,
      {
        workerId: other.id,
        attempt: run.attempt,
        seq: 1,
        events: [
          {
            v: 1,
            time: new Date().toISOString(),
            type: 'epoch_metric',
            ...fields,
            top5: undefined,
            weighted: undefined,
            confusion: undefined,
            loss: 99,
          },
        ],
      },
      other.as,
    );
    expect(status).toBe(409);
    expect(body.message).toMatch(/not held by worker/);
    expect(await metricsOf(stack, run.id)).toEqual(before);
  });
});
