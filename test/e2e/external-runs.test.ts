import { randomUUID } from 'node:crypto';
import {
  type ApiError,
  type AuditPage,
  type EpochMetricDto,
  type ExternalRunDto,
  type ExternalRunPage,
  type LogExternalRequest,
  type LogExternalResponse,
  type MetricHistoryDto,
  parseSubscribeAck,
  RunEventMessage,
  STREAM,
} from '@reslab/contracts';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalEpoch } from '../support/external-runs.js';
import { type Account, createAccount, createTeam, grantRole, openStream, subscribeRoom } from '../support/identity.js';
import { api, callApi, DEMO_TEAM, type Stack, startStack, teamId } from '../support/stack.js';

/**
 * The native API for runs trained elsewhere (issue 12): what the Python SDK, the TensorBoard import and the MLflow
 * routes all log through. The real orchestrator on a real Postgres; no worker, since an external run needs none.
 */
describe('external runs: create, log, end, read back', () => {
  let stack: Stack;
  let viewer: Account;
  let stranger: Account;
  let strangersRun: ExternalRunDto;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // A short lease, so the restart case below waits out a lease check in seconds.
    stack = await startStack('reslab_external_runs', { leaseSeconds: 2 });
    viewer = await createAccount(stack, 'viewer');
    await grantRole(stack, await teamId(stack, DEMO_TEAM), viewer.email, 'viewer');
    stranger = await createAccount(stack, 'stranger');
    await createTeam(stack, stranger.as, 'elsewhere');
    strangersRun = (
      await api<ExternalRunDto>(stack, 'POST', '/external-runs', { project: 'elsewhere/default' }, stranger.as)
    ).body;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.stop();
  });

  const create = (body: Record<string, unknown>, as?: { token: string | null }) =>
    api<ExternalRunDto & ApiError>(stack, 'POST', '/external-runs', body, as);
  const log = (id: string, body: LogExternalRequest) =>
    api<LogExternalResponse & ApiError>(stack, 'POST', `/external-runs/${id}/log`, body);
  const history = async (id: string, key: string) =>
    (await api<MetricHistoryDto>(stack, 'GET', `/external-runs/${id}/metric-history?key=${encodeURIComponent(key)}`))
      .body.points;

  it('creates a run from a client-chosen id once: the same create again answers that run with 200', async () => {
    const id = randomUUID();
    const body = {
      id,
      name: 'sgd-baseline',
      source: 'sdk',
      config: { optimizer: { name: 'sgd', lr: 0.1 }, epochs: 3, augment: ['flip', 'crop'] },
      classNames: ['cat', 'dog'],
      tags: { team: 'vision' },
    };
    const first = await create(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      id,
      project: 'demo/default',
      experiment: 'default',
      name: 'sgd-baseline',
      source: 'sdk',
      status: 'running',
      finishedAt: null,
      classNames: ['cat', 'dog'],
      tags: { team: 'vision' },
      metrics: [],
    });
    // The config's leaves are params under dotted keys, JSON-encoded unless they are strings.
    expect(first.body.params).toEqual({
      'optimizer.name': 'sgd',
      'optimizer.lr': '0.1',
      epochs: '3',
      augment: '["flip","crop"]',
    });
    const again = await create(body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    const listed = await api<ExternalRunPage>(stack, 'GET', '/external-runs?limit=1000');
    expect(listed.body.items.filter((r) => r.id === id)).toHaveLength(1);

    // An id that is some other run's, here another team's, is refused naming `id`.
    const taken = await create({ id: strangersRun.id });
    expect(taken.status).toBe(409);
    expect(taken.body.issues?.map((i) => i.path)).toEqual(['id']);
  });

  it('stores 100 steps sent in batches once, however often a batch is resent, and reads the history in step order', async () => {
    const run = (await create({ experiment: 'steps' })).body;
    const t0 = Date.UTC(2026, 0, 1);
    const batches = Array.from({ length: 4 }, (_, b) =>
      Array.from({ length: 25 }, (_, i) => {
        const step = b * 25 + i;
        return [
          { key: 'train/loss', value: 2 / (step + 1), step, timestamp: t0 + step * 1000 },
          { key: 'lr', value: 0.1 * 0.99 ** step, step, timestamp: t0 + step * 1000 },
        ];
      }).flat(),
    );
    // Sent newest batch first: the history is ordered by step, not by arrival.
    for (const batch of [...batches].reverse()) {
      const sent = await log(run.id, { metrics: batch });
      expect(sent).toEqual({ status: 200, body: { metrics: 50, epochs: 0 } });
    }
    const resent = await log(run.id, { metrics: batches[1] });
    expect(resent.body.metrics).toBe(0);

    const loss = await history(run.id, 'train/loss');
    expect(loss.map((p) => p.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(loss.map((p) => p.value)).toEqual(Array.from({ length: 100 }, (_, i) => 2 / (i + 1)));
    expect(loss[7]?.timestamp).toBe(t0 + 7000);

    // Same step, two timestamps: both kept, in timestamp order.
    await log(run.id, { metrics: [{ key: 'lr', value: 5, step: 99, timestamp: t0 + 99_500 }] });
    const lr = await history(run.id, 'lr');
    expect(lr).toHaveLength(101);
    expect(lr.slice(-2).map((p) => p.value)).toEqual([0.1 * 0.99 ** 99, 5]);

    const got = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${run.id}`)).body;
    expect(got.metrics).toEqual([
      { key: 'lr', last: { step: 99, timestamp: t0 + 99_500, value: 5 }, count: 101 },
      { key: 'train/loss', last: { step: 99, timestamp: t0 + 99_000, value: 2 / 100 }, count: 100 },
    ]);
  });

  it('keeps NaN and the infinities as they were logged', async () => {
    const run = (await create({ experiment: 'diverged' })).body;
    const values = ['NaN', 'Infinity', '-Infinity', -0.5, 1e-300, Number.MAX_VALUE] as const;
    const sent = await log(run.id, {
      metrics: values.map((value, step) => ({ key: 'loss', value, step, timestamp: 1_700_000_000_000 })),
    });
    expect(sent.body.metrics).toBe(values.length);
    expect(
      (await log(run.id, { metrics: [{ key: 'loss', value: 'NaN', step: 0, timestamp: 1_700_000_000_000 }] })).body
        .metrics,
    ).toBe(0);
    expect((await history(run.id, 'loss')).map((p) => p.value)).toEqual([...values]);
  });

  it('writes a param once: the same value again is fine, another is a 400 naming the key, and the batch is not stored', async () => {
    const run = (await create({ experiment: 'params', config: { lr: 0.1 } })).body;
    expect((await log(run.id, { params: { batch_size: '128' }, tags: { stage: 'a' } })).status).toBe(200);
    expect((await log(run.id, { params: { batch_size: '128', lr: '0.1' } })).status).toBe(200);
    const clash = await log(run.id, {
      params: { lr: '0.2' },
      tags: { stage: 'b' },
      metrics: [{ key: 'x', value: 1, step: 0, timestamp: 1 }],
    });
    expect(clash.status).toBe(400);
    expect(clash.body.issues?.map((i) => i.path)).toEqual(['params.lr']);
    expect(clash.body.message).toContain("already logged as '0.1'");
    // Tags are last-wins.
    expect((await log(run.id, { tags: { stage: 'c' } })).status).toBe(200);
    const got = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${run.id}`)).body;
    expect(got.params).toEqual({ lr: '0.1', batch_size: '128' });
    expect(got.tags).toEqual({ stage: 'c' });
    expect(got.metrics).toEqual([]);
  });

  it('answers a bad field with a 400 naming it', async () => {
    const badSource = await create({ source: 'wandb' });
    expect(badSource.status).toBe(400);
    expect(badSource.body.issues?.map((i) => i.path)).toEqual(['source']);
    // Past year 9999 a Date would be stored but not read back.
    const farFuture = await create({ startTime: Date.UTC(10_000, 0, 1) });
    expect(farFuture.status).toBe(400);
    expect(farFuture.body.issues?.map((i) => i.path)).toEqual(['startTime']);
    const run = (await create({ experiment: 'bad-input' })).body;
    const badKey = await log(run.id, { metrics: [{ key: 'loss$', value: 1, step: 0, timestamp: 0 }] });
    expect(badKey.status).toBe(400);
    expect(badKey.body.issues?.map((i) => i.path)).toEqual(['metrics.0.key']);
    const badValue = await log(run.id, {
      metrics: [{ key: 'loss', value: 'inf' as 'Infinity', step: 0, timestamp: 0 }],
    });
    expect(badValue.status).toBe(400);
    expect(badValue.body.issues?.[0]?.path).toBe('metrics.0.value');
    const noKey = await api<ApiError>(stack, 'GET', `/external-runs/${run.id}/metric-history`);
    expect(noKey.status).toBe(400);
    expect(noKey.body.issues?.map((i) => i.path)).toEqual(['key']);
    // The body parser's refusals, in ResLab's shape: a create is held to 256 kB, a log batch to 16 MB.
    const token = stack.admin.apiKey;
    const tooLarge = await callApi(stack, 'POST', '/external-runs', { token, body: { name: 'x'.repeat(300_000) } });
    expect([tooLarge.status, tooLarge.json]).toEqual([
      413,
      { statusCode: 413, error: 'Payload Too Large', message: 'request body larger than 256kb' },
    ]);
    const large = await callApi(stack, 'POST', `/external-runs/${run.id}/log`, {
      token,
      body: {
        tags: { notes: 'x'.repeat(8000) },
        params: Object.fromEntries([...Array(60)].map((_, i) => [`p${i}`, 'y'.repeat(6000)])),
      },
    });
    expect(large.status).toBe(200);
    const notJson = await callApi(stack, 'POST', `/external-runs/${run.id}/log`, { token, rawBody: '{"metrics": [' });
    expect([notJson.status, (notJson.json as ApiError).error]).toEqual([400, 'Bad Request']);
  });

  it("stores epochs as an engine's: GET /runs/:id/metrics has them, and the run's room receives them live", async () => {
    const run = (await create({ experiment: 'epochs', classNames: ['cat', 'dog'] })).body;
    const socket = openStream(stack, { token: stack.admin.apiKey });
    sockets.push(socket);
    const live: RunEventMessage[] = [];
    socket.on(STREAM.runEvent, (raw: unknown) => live.push(RunEventMessage.parse(raw)));
    // An engine run's room would answer with a RunDto, which has a RunConfig: this room has a snapshot of its own.
    const asEngineRun = await subscribeRoom(socket, { kind: 'run', id: run.id });
    expect(asEngineRun).toEqual({
      ok: false,
      error: `run ${run.id} is an external run: read it at /external-runs/${run.id}`,
    });
    const ack = parseSubscribeAck('externalRun', await subscribeRoom(socket, { kind: 'externalRun', id: run.id }));
    expect(ack.success && ack.data.ok && ack.data.snapshot.run).toMatchObject({ id: run.id, status: 'running' });

    const epoch = (n: number, split: 'train' | 'val') => externalEpoch(n, split, 2);
    const sent = await log(run.id, { epochs: [epoch(1, 'train'), epoch(1, 'val'), epoch(2, 'val')] });
    expect(sent.body).toEqual({ metrics: 0, epochs: 3 });

    const stored = (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${run.id}/metrics`)).body;
    expect(stored.map((m) => `${m.epoch}:${m.split}:${m.accuracy}`)).toEqual(['1:train:0.6', '1:val:0.6', '2:val:0.7']);
    expect(stored[0]?.confusion).toEqual([
      [8, 1],
      [1, 8],
    ]);

    await expect.poll(() => live.filter((e) => e.type === 'epoch_metric').length, { timeout: 10_000 }).toBe(3);
    const first = live.find((e) => e.type === 'epoch_metric');
    expect(first?.type === 'epoch_metric' && first.payload).toMatchObject({
      epoch: 1,
      split: 'train',
      hasConfusion: true,
    });

    // A client joining now gets the epochs in its snapshot, and the events after it replayed.
    const late = openStream(stack, { token: stack.admin.apiKey });
    sockets.push(late);
    const joined = parseSubscribeAck('externalRun', await subscribeRoom(late, { kind: 'externalRun', id: run.id }));
    expect(joined.success && joined.data.ok && joined.data.snapshot.metrics.map((m) => m.epoch)).toEqual([1, 1, 2]);

    // A resent epoch overwrites its row.
    await log(run.id, { epochs: [{ ...epoch(2, 'val'), accuracy: 0.75 }] });
    const again = (await api<EpochMetricDto[]>(stack, 'GET', `/runs/${run.id}/metrics`)).body;
    expect(again.map((m) => m.accuracy)).toEqual([0.6, 0.6, 0.75]);

    // Ending it reaches the room as a status event, as a training run's end does.
    await api(stack, 'POST', `/external-runs/${run.id}/end`, { status: 'succeeded' });
    await expect
      .poll(() => live.some((e) => e.type === 'status' && e.payload.status === 'succeeded'), { timeout: 10_000 })
      .toBe(true);
  });

  it('ends a run: the same end again changes nothing, another status overwrites status and end time (streamed, audited) as MLflow does; a later log is stored and the run stays ended', async () => {
    const run = (await create({ experiment: 'ending', startTime: 1_700_000_000_000 })).body;
    expect(run.startedAt).toBe(new Date(1_700_000_000_000).toISOString());
    const ended = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/end`, {
      status: 'failed',
      endTime: 1_700_000_360_000,
    });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'failed', finishedAt: new Date(1_700_000_360_000).toISOString() });
    const socket = openStream(stack, { token: stack.admin.apiKey });
    sockets.push(socket);
    const live: RunEventMessage[] = [];
    socket.on(STREAM.runEvent, (raw: unknown) => live.push(RunEventMessage.parse(raw)));
    await subscribeRoom(socket, { kind: 'externalRun', id: run.id });
    // Resent, with or without its end time: nothing changes, nothing is streamed or audited.
    const same = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/end`, { status: 'failed' });
    expect([same.status, same.body.finishedAt]).toEqual([200, new Date(1_700_000_360_000).toISOString()]);
    await api(stack, 'POST', `/external-runs/${run.id}/end`, { status: 'failed', endTime: 1_700_000_360_000 });
    // MLflow's set_terminated(run, 'FINISHED') after FAILED: the new status and end time replace the old.
    const other = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/end`, {
      status: 'succeeded',
      endTime: 1_700_000_370_000,
    });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ status: 'succeeded', finishedAt: new Date(1_700_000_370_000).toISOString() });
    // The same status with another end time moves the end time; without one, `now`.
    const moved = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/end`, {
      status: 'succeeded',
      endTime: 1_700_000_380_000,
    });
    expect(moved.body.finishedAt).toBe(new Date(1_700_000_380_000).toISOString());
    const before = Date.now();
    const now = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/end`, { status: 'cancelled' });
    expect(now.body.status).toBe('cancelled');
    expect(Date.parse(now.body.finishedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    await expect
      .poll(() => live.filter((e) => e.type === 'status').map((e) => e.type === 'status' && e.payload.status), {
        timeout: 10_000,
      })
      .toEqual(['succeeded', 'succeeded', 'cancelled']);
    const audit = await api<AuditPage>(stack, 'GET', `/teams/${await teamId(stack, DEMO_TEAM)}/audit?limit=100`);
    const entries = audit.body.items.filter((e) => e.targetId === run.id).reverse();
    expect(entries.map((e) => [e.action, e.detail.status ?? e.detail.source])).toEqual([
      ['external_run.create', 'sdk'],
      ['external_run.end', 'failed'],
      ['external_run.end', 'succeeded'],
      ['external_run.end', 'succeeded'],
      ['external_run.end', 'cancelled'],
    ]);
    // An evaluation after training logs its test metrics to the ended run, as MLflow allows.
    const late = await log(run.id, {
      metrics: [{ key: 'test/accuracy', value: 0.9, step: 0, timestamp: 1_700_000_400_000 }],
      params: { checkpoint: 'best' },
      tags: { evaluated: 'yes' },
    });
    expect(late).toEqual({ status: 200, body: { metrics: 1, epochs: 0 } });
    const after = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${run.id}`)).body;
    expect(after).toMatchObject({
      status: 'cancelled',
      finishedAt: now.body.finishedAt,
      params: { checkpoint: 'best' },
      tags: { evaluated: 'yes' },
      metrics: [{ key: 'test/accuracy', last: { step: 0, timestamp: 1_700_000_400_000, value: 0.9 }, count: 1 }],
    });
  });

  it('resumes an ended run: running with no finish time, streamed, audited once; it can then end with another status', async () => {
    const run = (await create({ experiment: 'resumed' })).body;
    await api(stack, 'POST', `/external-runs/${run.id}/end`, { status: 'cancelled' });
    const socket = openStream(stack, { token: stack.admin.apiKey });
    sockets.push(socket);
    const live: RunEventMessage[] = [];
    socket.on(STREAM.runEvent, (raw: unknown) => live.push(RunEventMessage.parse(raw)));
    await subscribeRoom(socket, { kind: 'externalRun', id: run.id });

    expect((await api(stack, 'POST', `/external-runs/${run.id}/resume`, undefined, viewer.as)).status).toBe(403);
    const resumed = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ id: run.id, status: 'running', finishedAt: null });
    // Again, with a body of {}: nothing changes, nothing more is streamed or audited.
    const again = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/resume`, {});
    expect([again.status, again.body.status]).toEqual([200, 'running']);
    expect((await log(run.id, { metrics: [{ key: 'loss', value: 0.2, step: 5, timestamp: 5 }] })).status).toBe(200);
    const ended = await api<ExternalRunDto>(stack, 'POST', `/external-runs/${run.id}/end`, { status: 'succeeded' });
    expect([ended.status, ended.body.status]).toEqual([200, 'succeeded']);
    expect(ended.body.finishedAt).not.toBeNull();

    await expect
      .poll(() => live.filter((e) => e.type === 'status').map((e) => e.type === 'status' && e.payload.status), {
        timeout: 10_000,
      })
      .toEqual(['running', 'succeeded']);
    const audit = await api<AuditPage>(stack, 'GET', `/teams/${await teamId(stack, DEMO_TEAM)}/audit?limit=100`);
    expect(audit.body.items.filter((e) => e.targetId === run.id).map((e) => e.action)).toEqual([
      'external_run.end',
      'external_run.resume',
      'external_run.end',
      'external_run.create',
    ]);
    const missing = await api<ApiError>(stack, 'POST', `/external-runs/${randomUUID()}/resume`);
    expect(missing.status).toBe(404);
  });

  it('lists newest first a page at a time, filtered by project, experiment and source', async () => {
    const made: string[] = [];
    for (const [i, source] of (['sdk', 'tensorboard', 'tensorboard'] as const).entries()) {
      made.push((await create({ experiment: 'paging', source, startTime: Date.UTC(2025, 0, 1 + i) })).body.id);
    }
    const first = await api<ExternalRunPage>(stack, 'GET', '/external-runs?experiment=paging&limit=2');
    expect(first.body.items.map((r) => r.id)).toEqual([made[2], made[1]]);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await api<ExternalRunPage>(
      stack,
      'GET',
      `/external-runs?experiment=paging&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((r) => r.id)).toEqual([made[0]]);
    expect(second.body.nextCursor).toBeNull();
    const imported = await api<ExternalRunPage>(
      stack,
      'GET',
      '/external-runs?project=demo/default&experiment=paging&source=tensorboard',
    );
    expect(imported.body.items.map((r) => r.id)).toEqual([made[2], made[1]]);
    expect((await api<ExternalRunPage>(stack, 'GET', '/external-runs?project=elsewhere/default')).body.items).toEqual(
      [],
    );
    const badCursor = await api<ApiError>(stack, 'GET', '/external-runs?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.issues?.map((i) => i.path)).toEqual(['cursor']);
  });

  it("refuses a viewer's writes (403), no credential (401), and reads another team's run as missing (404)", async () => {
    const viewerCreate = await create({ experiment: 'viewer' }, viewer.as);
    expect(viewerCreate.status).toBe(403);
    const run = (await create({ experiment: 'access' })).body;
    expect((await api(stack, 'GET', `/external-runs/${run.id}`, undefined, viewer.as)).status).toBe(200);
    const viewerLog = await api(stack, 'POST', `/external-runs/${run.id}/log`, { tags: { a: 'b' } }, viewer.as);
    expect(viewerLog.status).toBe(403);
    expect((await create({}, { token: null })).status).toBe(401);
    expect((await api(stack, 'GET', '/external-runs', undefined, { token: null })).status).toBe(401);
    for (const path of [
      `/external-runs/${strangersRun.id}`,
      `/external-runs/${strangersRun.id}/metric-history?key=x`,
    ]) {
      expect((await api(stack, 'GET', path)).status).toBe(404);
    }
    const foreignLog = await log(strangersRun.id, { tags: { a: 'b' } });
    expect(foreignLog.status).toBe(404);
    const mine = (await api<ExternalRunPage>(stack, 'GET', '/external-runs?limit=1000')).body.items;
    expect(mine.some((r) => r.id === strangersRun.id)).toBe(false);
  });

  it('keeps external runs out of the routes that need a RunConfig, saying where they are instead', async () => {
    const run = (await create({ experiment: 'not-a-train-run' })).body;
    const asRun = await api<ApiError>(stack, 'GET', `/runs/${run.id}`);
    expect(asRun.status).toBe(404);
    expect(asRun.body.message).toBe(`run ${run.id} is an external run: read it at /external-runs/${run.id}`);
    for (const action of ['cancel', 'retry']) {
      const refused = await api<ApiError>(stack, 'POST', `/runs/${run.id}/${action}`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain(`/external-runs/${run.id}/end`);
    }
    const analysis = await api<ApiError>(stack, 'POST', `/runs/${run.id}/analyses`, { kind: 'cost' });
    expect(analysis.status).toBe(409);
    expect(analysis.body.message).toBe(`run ${run.id} is an external run: it has no checkpoint to analyse`);
    const runs = (await api<{ items: { id: string }[] }>(stack, 'GET', '/runs?limit=1000')).body.items;
    expect(runs.some((r) => r.id === run.id)).toBe(false);
  });

  it('a train run is not an external one: its id is a 404 on these routes, naming /runs/:id', async () => {
    const { tinyConfig } = await import('../support/runs.js');
    const train = await api<{ id: string }>(stack, 'POST', '/runs', { config: tinyConfig() });
    expect(train.status).toBe(201);
    const refused = await log(train.body.id, { tags: { a: 'b' } });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toContain(`/runs/${train.body.id}`);
    await api(stack, 'POST', `/runs/${train.body.id}/cancel`);
  });

  it('leaves a running external run alone across an orchestrator restart: no lease, no requeue', async () => {
    const run = (await create({ experiment: 'restart' })).body;
    await stack.restartOrchestrator();
    // Past a whole lease and its check (lease + 1 s after start): an engine run whose lease ran out is requeued by now.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const after = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${run.id}`)).body;
    expect(after.status).toBe('running');
    expect((await log(run.id, { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 0 }] })).status).toBe(200);
  });

  it('deletes a run with everything it logged', async () => {
    const run = (await create({ experiment: 'deleted', config: { a: 1 } })).body;
    await log(run.id, { metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 0 }], tags: { t: 'x' } });
    expect((await api(stack, 'DELETE', `/external-runs/${run.id}`, undefined, viewer.as)).status).toBe(403);
    expect((await api(stack, 'DELETE', `/external-runs/${run.id}`)).status).toBe(204);
    expect((await api(stack, 'GET', `/external-runs/${run.id}`)).status).toBe(404);
    expect((await api(stack, 'GET', `/external-runs/${run.id}/metric-history?key=loss`)).status).toBe(404);
    const audit = await api<AuditPage>(stack, 'GET', `/teams/${await teamId(stack, DEMO_TEAM)}/audit?limit=100`);
    expect(audit.body.items.filter((e) => e.targetId === run.id).map((e) => e.action)).toEqual([
      'external_run.delete',
      'external_run.create',
    ]);
  });
});
