import type { ClaimResponse, RunDto, SweepDetailDto, WorkerDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  handshake,
  minimalBody,
  openStream,
  operationName,
  type SpecOperation,
  specOperations,
} from '../support/identity.js';
import { waitFor } from '../support/processes.js';
import { epochMetric, runWhen, statusEvents, tinyConfig } from '../support/runs.js';
import {
  api,
  callApi,
  enrolTestWorker,
  FAKE_ENGINE_COMMAND,
  type Stack,
  startStack,
  type TestWorker,
} from '../support/stack.js';

/**
 * Worker routes (the spec's "Worker:" operations) take a worker secret, for
 * that worker's own id only; every other route refuses a worker secret; and a
 * revoked worker is refused from its next call, so a real worker process stops
 * and its work goes to another. The worker processes run the FAKE engine: only
 * the scheduling is exercised here.
 */
describe('worker credentials (real orchestrator, real worker processes, FAKE engine)', () => {
  let stack: Stack;
  let operations: SpecOperation[];
  let w1: TestWorker;
  let w2: TestWorker;
  let held: RunDto;
  let sweep: SweepDetailDto;

  beforeAll(async () => {
    stack = await startStack('reslab_worker_creds');
    operations = await specOperations(stack);
    w1 = await enrolTestWorker(stack, 'w1');
    w2 = await enrolTestWorker(stack, 'w2');
    held = (await api<RunDto>(stack, 'POST', '/runs', { name: 'held by w1', config: tinyConfig() })).body;
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${w1.id}/claim`, undefined, w1.as);
    expect(claim.body.assignment?.runId).toBe(held.id);
    sweep = (
      await api<SweepDetailDto>(stack, 'POST', '/sweeps', { name: 'queued', base: tinyConfig(), grid: { seed: [0] } })
    ).body;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** `op` filled in for the demo team: the held run, w1 (unless `workerId` says another), the sweep, the team. */
  async function request(op: SpecOperation, workerId: string) {
    const byKind: Record<string, string> = {
      runs: held.id,
      sweeps: sweep.id,
      workers: workerId,
      experiments: held.experimentId,
      teams: (await api<{ id: string }[]>(stack, 'GET', '/teams')).body[0]?.id as string,
    };
    let path = op.path;
    for (const param of op.pathParams) {
      const id = byKind[path.split('/')[1] ?? ''] ?? '00000000-0000-4000-8000-000000000000';
      path = path.replace(`{${param}}`, id);
    }
    const body = op.bodySchema
      ? minimalBody(op.bodySchema, {
          workerId,
          attempt: 1,
          runId: held.id,
          events: [epochMetric(1, 'train', 1)],
          config: tinyConfig(),
          base: tinyConfig(),
        })
      : undefined;
    return { path, body };
  }

  it("refuses a user's key on every worker route with 403, even for its own team's worker", async () => {
    const worker = operations.filter((o) => o.workerOnly);
    const wrong: string[] = [];
    for (const op of worker) {
      const { path, body } = await request(op, w1.id);
      // The stack's admin owns the demo team and is an instance admin: the strongest user there is.
      const answer = await callApi(stack, op.method, path, { token: stack.admin.apiKey, body });
      if (answer.status !== 403) wrong.push(`${operationName(op)}: ${answer.status} ${answer.text}`);
    }
    console.log(`user key on worker routes: ${worker.length} operations tried, ${wrong.length} not refused`);
    expect(worker.map(operationName)).toEqual(
      expect.arrayContaining([
        'POST /workers/{id}/heartbeat',
        'POST /workers/{id}/claim',
        'POST /runs/{id}/events',
        'POST /runs/{id}/finish',
      ]),
    );
    expect(wrong).toEqual([]);
  });

  it("refuses a worker's secret under another worker's id with 403, and nothing of w1's run changes", async () => {
    const before = (await api<RunDto>(stack, 'GET', `/runs/${held.id}`)).body;
    const wrong: string[] = [];
    let tried = 0;
    for (const op of operations.filter((o) => o.workerOnly && o.path !== '/workers')) {
      // w2's secret, w1's id: in the path (/workers/{id}/...) or in the body (workerId of a run write).
      const { path, body } = await request(op, w1.id);
      const answer = await callApi(stack, op.method, path, { token: w2.secret, body });
      tried++;
      if (answer.status !== 403) wrong.push(`${operationName(op)}: ${answer.status} ${answer.text}`);
    }
    console.log(`worker secret under another worker's id: ${tried} operations tried, ${wrong.length} not refused`);
    expect(wrong).toEqual([]);
    const after = (await api<RunDto>(stack, 'GET', `/runs/${held.id}`)).body;
    expect(after).toMatchObject({ status: 'running', workerId: w1.id, attempt: 1 });
    expect(after.leaseExpiresAt).toBe(before.leaseExpiresAt);
    expect((await api<unknown[]>(stack, 'GET', `/runs/${held.id}/metrics`)).body).toEqual([]);
  });

  it('refuses a worker secret on every other route with 403, and on the socket', async () => {
    const others = operations.filter((o) => !o.workerOnly && !o.isPublic);
    const wrong: string[] = [];
    for (const op of others) {
      const { path, body } = await request(op, w1.id);
      const answer = await callApi(stack, op.method, path, { token: w1.secret, body });
      if (answer.status !== 403) wrong.push(`${operationName(op)}: ${answer.status} ${answer.text}`);
    }
    console.log(`worker secret on user routes: ${others.length} operations tried, ${wrong.length} not refused`);
    expect(wrong).toEqual([]);
    const socket = openStream(stack, { token: w1.secret });
    try {
      expect(await handshake(socket)).toMatchObject({ outcome: 'refused', status: 403 });
    } finally {
      socket.close();
    }
  });

  it('refuses a revoked worker with 401 from its next call, on every worker route', async () => {
    const revoked = await api<WorkerDto>(stack, 'DELETE', `/workers/${w1.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const wrong: string[] = [];
    for (const op of operations.filter((o) => o.workerOnly)) {
      const { path, body } = await request(op, w1.id);
      const answer = await callApi(stack, op.method, path, { token: w1.secret, body });
      if (answer.status !== 401) wrong.push(`${operationName(op)}: ${answer.status} ${answer.text}`);
    }
    expect(wrong).toEqual([]);
    // w2, not revoked, still works.
    expect((await api(stack, 'POST', `/workers/${w2.id}/heartbeat`, {}, w2.as)).status).toBe(200);
  });
});

describe('a revoked worker process (real orchestrator, real worker processes, FAKE engine)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Short leases: the revoked worker's run comes back to the queue within seconds.
    stack = await startStack('reslab_worker_revoked', { leaseSeconds: 3 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('stops a revoked worker process at once: it exits 3, and its runs and the next one go to another worker', async () => {
    const fake = { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_FAKE_EPOCH_MS: '1000' };
    const doomed = await stack.startWorker('doomed', { env: fake });
    const long = (await api<RunDto>(stack, 'POST', '/runs', { name: 'long', config: tinyConfig({ epochs: 60 }) })).body;
    const running = await runWhen(stack, long.id, (r) => r.status === 'running', 60_000);
    const doomedId = running.workerId as string;
    expect((await api<WorkerDto[]>(stack, 'GET', '/workers')).body.find((w) => w.id === doomedId)?.name).toBe('doomed');

    expect((await api(stack, 'DELETE', `/workers/${doomedId}`)).status).toBe(200);
    const next = (await api<RunDto>(stack, 'POST', '/runs', { name: 'after revocation', config: tinyConfig() })).body;
    const code = await Promise.race([
      doomed.exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running after 30 s'), 30_000)),
    ]);
    expect(code, doomed.output()).toBe(3);
    expect(doomed.output()).toContain('worker credential refused');

    const replacement = await stack.startWorker('replacement', { env: fake });
    const replacementId = await waitFor(
      'the replacement to register',
      async () => (await api<WorkerDto[]>(stack, 'GET', '/workers')).body.find((w) => w.name === 'replacement')?.id,
    );
    const done = await runWhen(stack, next.id, (r) => r.status === 'succeeded', 60_000);
    expect(done.workerId).toBe(replacementId);
    // The long run was taken from the revoked worker and carried on elsewhere.
    await runWhen(stack, long.id, (r) => r.status === 'running' && r.workerId === replacementId, 60_000);
    await api(stack, 'POST', `/runs/${long.id}/cancel`);

    // After the revocation the doomed worker held nothing new: its only running event is the long run's first.
    const events = (await statusEvents(stack)).filter((e) => e.status === 'running' && e.workerId === doomedId);
    expect(events.map((e) => e.runId)).toEqual([long.id]);
    expect((await api<WorkerDto[]>(stack, 'GET', '/workers')).body.find((w) => w.id === doomedId)?.revokedAt).not.toBe(
      null,
    );
    console.log(
      `revoked worker process exited ${code}; the run queued after the revocation and the revoked worker's run ` +
        `were taken by the replacement (pid ${replacement.child.pid})`,
    );
  });
});
