import type { ClaimResponse, EpochMetricDto, ExperimentDto, GradFlowDto, GradFlowEvent } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOne } from '../support/postgres.js';
import { epochMetric, tinyConfig } from '../support/runs.js';
import { api, enrolTestWorker, type Stack, startStack } from '../support/stack.js';

/** The test plays the worker (registers, claims, posts), so it controls exactly what is ingested. */
describe('ingest is an upsert on (run, epoch, split) (real Postgres, no engine)', () => {
  let stack: Stack;
  let workerId: string;
  let workerSecret: string;

  /** The worker protocol, spoken with this test's own worker secret. */
  const workerApi = <T = unknown>(method: string, path: string, body?: unknown) =>
    api<T>(stack, method, path, body, { token: workerSecret });
  let runId: string;

  beforeAll(async () => {
    stack = await startStack('reslab_ingest');
    ({ id: workerId, secret: workerSecret } = await enrolTestWorker(stack, 'test-as-worker', { slots: 1 }));
    await api(stack, 'POST', '/runs', { config: tinyConfig() });
    const claim = await workerApi<ClaimResponse>('POST', `/workers/${workerId}/claim`);
    runId = claim.body.assignment?.runId ?? '';
    expect(runId).not.toBe('');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps the last of a key repeated in one batch, and a resent batch adds no row and no event', async () => {
    const batch = [epochMetric(1, 'train', 2.0), epochMetric(1, 'val', 1.9), epochMetric(1, 'train', 1.5)];
    const answers: unknown[] = [];
    for (let send = 0; send < 2; send++) {
      const { status, body } = await workerApi('POST', `/runs/${runId}/events`, {
        workerId,
        attempt: 1,
        seq: 1,
        events: batch,
      });
      expect(status).toBe(200);
      answers.push(body);
    }
    expect(answers).toEqual([
      { stored: 3, duplicate: false },
      { stored: 0, duplicate: true },
    ]);
    const { body } = await api<EpochMetricDto[]>(stack, 'GET', `/runs/${runId}/metrics`);
    expect(body.map((m) => `${m.epoch}:${m.split}:${m.loss}`)).toEqual(['1:train:1.5', '1:val:1.9']);
    const { count } = await queryOne<{ count: number }>(
      stack.db.url,
      `SELECT count(*)::int AS count FROM "RunEvent" WHERE "runId" = $1 AND type = 'epoch_metric'`,
      [runId],
    );
    expect(count).toBe(3);
  });

  it('stores every block of every grad_flow event in a batch, the last of a repeated (epoch, block), once', async () => {
    const flow = (epoch: number, scale: number): GradFlowEvent => ({
      v: 1,
      time: new Date().toISOString(),
      type: 'grad_flow',
      epoch,
      batches: 4,
      blocks: Array.from({ length: 120 }, (_, i) => ({
        name: `layer${Math.floor(i / 40) + 1}.${i % 40}`,
        paramGradNorm: scale * (i + 1),
        inputGradNorm: scale / (i + 1),
        activationNorm: scale + i,
      })),
    });
    const events = [flow(0, 1), flow(1, 2), flow(2, 3), flow(1, 5)];
    const { status, body } = await workerApi('POST', `/runs/${runId}/events`, { workerId, attempt: 1, seq: 2, events });
    expect(status).toBe(200);
    expect(body).toEqual({ stored: events.length, duplicate: false });
    const { body: stored } = await api<GradFlowDto[]>(stack, 'GET', `/runs/${runId}/grad-flow`);
    expect(stored.map((g) => [g.epoch, g.blocks.length])).toEqual([
      [0, 120],
      [1, 120],
      [2, 120],
    ]);
    const epoch1 = stored.find((g) => g.epoch === 1)?.blocks ?? [];
    expect(epoch1.map((b) => b.index)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(epoch1[119]).toEqual({
      name: 'layer3.39',
      index: 119,
      paramGradNorm: 5 * 120,
      inputGradNorm: 5 / 120,
      activationNorm: 5 + 119,
    });
  });

  it('refuses a seq or attempt past int32 (the column it is stored in) with a 400 naming it, storing nothing', async () => {
    const before = (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${runId}/metrics`)).body.length;
    for (const [field, body] of [
      ['seq', { workerId, attempt: 1, seq: 2 ** 31, events: [epochMetric(2, 'train', 1.0)] }],
      ['attempt', { workerId, attempt: 2 ** 31, seq: 3, events: [epochMetric(2, 'train', 1.0)] }],
    ] as const) {
      const { status, body: error } = await workerApi<{ issues: { path: string }[] }>(
        'POST',
        `/runs/${runId}/events`,
        body,
      );
      expect(status).toBe(400);
      expect(error.issues.map((i) => i.path)).toEqual([field]);
    }
    expect((await api<EpochMetricDto[]>(stack, 'GET', `/runs/${runId}/metrics`)).body).toHaveLength(before);
  });

  it('lists the experiment the run was filed under, with its runs counted by status', async () => {
    const { body: experiments } = await api<ExperimentDto[]>(stack, 'GET', '/experiments');
    expect(experiments).toHaveLength(1);
    expect(experiments[0]).toMatchObject({ team: 'demo', project: 'default', name: 'default' });
    expect(experiments[0]?.counts.running).toBe(1);
    const { body: one } = await api<ExperimentDto>(stack, 'GET', `/experiments/${experiments[0]?.id}`);
    expect(one).toEqual(experiments[0]);
    const missing = await api(stack, 'GET', '/experiments/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
  });
});
