import { join } from 'node:path';
import type { ApiError, EpochMetricDto, Page, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFashionMnist } from '../support/datasets.js';
import { REPO_ROOT } from '../support/paths.js';
import { queryOne } from '../support/postgres.js';
import { startProcess, waitFor } from '../support/processes.js';
import { pidsOf, runWhen } from '../support/runs.js';
import { api, enrolTestWorker, type Stack, startStack } from '../support/stack.js';

// The real data set, always (make setup installs it); its absence is an error that says how to get it.
requireFashionMnist();
const dataset = 'fashion-mnist';

const smallRun = {
  experiment: 'walking-skeleton',
  name: 'resnet8 smoke',
  config: {
    model: { arch: 'resnet', depth: 8 },
    data: { dataset, trainSubset: 1200, valSize: 200, testSubset: 500 },
    optim: { lr: 0.05, batchSize: 100 },
    epochs: 2,
    seed: 0,
  },
};

describe('walking skeleton: POST /runs -> worker -> engine -> Postgres -> GET metrics (real processes)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_e2e');
    await stack.startWorker('e2e-worker');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses an invalid run with a 400 naming each bad field, and stores nothing', async () => {
    const { status, body } = await api<ApiError>(stack, 'POST', '/runs', {
      config: { model: { arch: 'resnet', depth: 'deep' }, data: { dataset: 'imagenet-22k' }, epochs: 0 },
    });
    expect(status).toBe(400);
    expect(body.issues?.map((i) => i.path)).toEqual(
      expect.arrayContaining(['config.model.depth', 'config.data.dataset', 'config.epochs']),
    );
    const { count } = await queryOne<{ count: string }>(stack.db.url, 'SELECT count(*) FROM "Run"');
    expect(Number(count)).toBe(0);
  });

  it('trains a small ResNet on a worker and stores every epoch metric', async () => {
    const created = await api<RunDto>(stack, 'POST', '/runs', smallRun);
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('queued');

    const run = await runWhen(stack, created.body.id, (r) => r.status !== 'queued' && r.status !== 'running', 180_000);
    expect(run, `run failed: ${run.failureReason}\n${run.stderrTail}`).toMatchObject({
      status: 'succeeded',
      attempt: 1,
    });
    expect(run.workerId).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();

    const { body: metrics } = await api<EpochMetricDto[]>(stack, 'GET', `/runs/${run.id}/metrics`);
    expect(metrics.map((m) => `${m.epoch}:${m.split}`).sort()).toEqual([
      '1:train',
      '1:val',
      '2:test',
      '2:train',
      '2:val',
    ]);
    for (const m of metrics) {
      expect(m.perClass).toHaveLength(10);
      expect(m.loss).toBeGreaterThan(0);
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.accuracy).toBeGreaterThanOrEqual(0);
      expect(m.accuracy).toBeLessThanOrEqual(1);
      expect(m.perClass.reduce((n, c) => n + c.support, 0)).toBe(
        m.split === 'train' ? 1000 : m.split === 'val' ? 200 : 500,
      );
    }
    // Two epochs of SGD on real labels beat chance (10%) on held-out data.
    expect(metrics.find((m) => m.split === 'val' && m.epoch === 2)?.accuracy).toBeGreaterThan(0.2);
  });

  it('refuses metrics from a worker that does not hold the run', async () => {
    const [run] = (await api<Page<RunDto>>(stack, 'GET', '/runs?status=succeeded')).body.items;
    expect(run).toBeDefined();
    const stranger = await enrolTestWorker(stack, 'not-the-holder');
    const send = () => ({
      workerId: stranger.id,
      attempt: 1,
      seq: 1,
      events: [{ v: 1, time: new Date().toISOString(), type: 'run_finished', epochs: 1, seconds: 1 }],
    });
    // A worker secret with another worker's id is refused before anything else (403), and a user key on a worker route too.
    expect(
      (await api(stack, 'POST', `/runs/${run?.id}/events`, { ...send(), workerId: run?.workerId }, stranger.as)).status,
    ).toBe(403);
    expect((await api(stack, 'POST', `/runs/${run?.id}/events`, send())).status).toBe(403);
    const { status, body } = await api<ApiError>(stack, 'POST', `/runs/${run?.id}/events`, send(), stranger.as);
    expect(status).toBe(409);
    expect(body.message).toMatch(/not held by worker/);
  });

  it('ends a run failed, with the signal and the stderr tail, when its engine is killed', async () => {
    const created = await api<RunDto>(stack, 'POST', '/runs', {
      ...smallRun,
      name: 'to be killed',
      config: { ...smallRun.config, data: { dataset: 'synthetic', valSize: 200 }, epochs: 500 },
    });
    const id = created.body.id;
    // Kill it mid-training, once its first epoch is stored.
    await waitFor('the first epoch of the run to be stored', async () => {
      const { body } = await api<EpochMetricDto[]>(stack, 'GET', `/runs/${id}/metrics`);
      return body.length ? true : undefined;
    });
    // The engine's command line holds its run directory, named by the run id.
    const [pid] = await waitFor('the engine process', async () => {
      const pids = pidsOf(id);
      return pids.length ? pids : undefined;
    });
    process.kill(pid as number, 'SIGKILL');

    const run = await runWhen(stack, id, (r) => r.status === 'failed', 60_000);
    expect(run.failureReason).toMatch(/SIGKILL/);
    expect(run.exitCode).toBeNull();
    expect(run.stderrTail ?? '').not.toBe('');
  });
});

describe('orchestrator start-up', () => {
  it('exits non-zero with one line naming DATABASE_URL when Postgres is unreachable', async () => {
    const orchestrator = startProcess('node', [join(REPO_ROOT, 'apps/orchestrator/dist/main.js')], {
      DATABASE_URL: 'postgresql://reslab:secret@127.0.0.1:1/reslab',
      RESLAB_API_PORT: '0',
    });
    const code = await orchestrator.exited;
    expect(code).not.toBe(0);
    const lines = orchestrator.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/DATABASE_URL/);
    expect(lines[0]).not.toMatch(/secret/);
  });
});
