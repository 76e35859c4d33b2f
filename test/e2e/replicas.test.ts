import {
  type ClaimResponse,
  type CreatedApiKey,
  type EngineEvent,
  type RunDto,
  RunEventMessage,
  STREAM,
  type WorkerDto,
} from '@reslab/contracts';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disconnection, handshake, openStream, subscribeRoom } from '../support/identity.js';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { counterOf, type Replica, startReplica } from '../support/replicas.js';
import { epochMetric, expectedKeys, FINISHED, runWhen, tinyConfig } from '../support/runs.js';
import { api, enrolTestWorker, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

const LEASE_SECONDS = 5;
const EPOCHS = 10;

/** A socket subscribed to one run, and every run event it was sent live, in arrival order. */
async function watchRun(
  apiUrl: string,
  token: string,
  runId: string,
): Promise<{ socket: Socket; live: RunEventMessage[] }> {
  const socket = openStream({ apiUrl }, { token });
  const live: RunEventMessage[] = [];
  socket.on(STREAM.runEvent, (raw: unknown) => live.push(RunEventMessage.parse(raw)));
  expect(await handshake(socket)).toEqual({ outcome: 'connected' });
  const ack = await subscribeRoom(socket, { kind: 'run', id: runId });
  if (!ack.ok) throw new Error(`subscribe to run ${runId}: ${ack.error}`);
  return { socket, live };
}

const epochKey = (e: RunEventMessage) => (e.type === 'epoch_metric' ? `${e.payload.epoch}:${e.payload.split}` : null);
const epochKeys = (events: RunEventMessage[]) => events.map(epochKey).filter((k): k is string => k !== null);
/** The order the engine prints its metrics in: train then val each epoch, test at the end. */
const printedOrder = (epochs: number) => [
  ...Array.from({ length: epochs }, (_, i) => [`${i + 1}:train`, `${i + 1}:val`]).flat(),
  `${epochs}:test`,
];

/**
 * Two orchestrator processes on one database, no load balancer: a socket on either replica gets the events the
 * other logs (socket.io's Postgres adapter), and a worker given both URLs moves to B when A is killed (SIGKILL).
 * The engine is the FAKE one (test/support/fake-engine.mjs, 0.5 s an epoch), so the kill lands mid-run, between two
 * epochs, at a moment the test chooses.
 */
describe('two orchestrator replicas on one Postgres (FAKE engine, real orchestrators and worker)', () => {
  let stack: Stack;
  let b: Replica;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack('reslab_replicas', { leaseSeconds: LEASE_SECONDS });
    b = await startReplica(stack, { leaseSeconds: LEASE_SECONDS });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await b?.process.stop();
    await stack?.stop();
  });

  it('sends what B logs to a socket on A: a run cancelled through B reaches a watcher on A', async () => {
    const { body: run } = await api<RunDto>(b.view, 'POST', '/runs', { name: 'cancelled-on-b', config: tinyConfig() });
    const onA = await watchRun(stack.apiUrl, stack.admin.apiKey, run.id);
    sockets.push(onA.socket);
    expect((await api(b.view, 'POST', `/runs/${run.id}/cancel`)).status).toBeLessThan(300);
    await waitFor('the cancellation to reach the socket on A', async () =>
      onA.live.some((e) => e.type === 'status' && e.payload.status === 'cancelled') ? true : undefined,
    );
    onA.socket.close();
  });

  it('closes a socket on B when its key is revoked through A', async () => {
    const { body: created } = await api<CreatedApiKey>(stack, 'POST', '/keys', { name: 'revoked-across' });
    const socket = openStream({ apiUrl: b.apiUrl }, { token: created.secret });
    sockets.push(socket);
    expect(await handshake(socket)).toEqual({ outcome: 'connected' });
    const closed = disconnection(socket, 'the socket on B of a key revoked through A');
    expect((await api(stack, 'DELETE', `/keys/${created.key.id}`)).status).toBe(200);
    expect(await closed).toBe('io server disconnect');
  });

  it('keeps a batch in order on B when large events (sent as attachments) and small ones alternate', async () => {
    // Played by the test as the worker holding the run, before the worker process starts (so it claims nothing).
    const holder = await enrolTestWorker(stack, 'replicas-holder');
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { name: 'mixed-sizes', config: tinyConfig() });
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${holder.id}/claim`, undefined, holder.as);
    expect(claim.body.assignment?.runId).toBe(run.id);
    const onA = await watchRun(stack.apiUrl, stack.admin.apiKey, run.id);
    const onB = await watchRun(b.apiUrl, stack.admin.apiKey, run.id);
    sockets.push(onA.socket, onB.socket);
    // 50 blocks with long names make a grad_flow of about 8.5 kB, over the 8,000 bytes a NOTIFY may carry (and
    // few enough rows for the ingest transaction on a busy machine).
    const blocks = Array.from({ length: 50 }, (_, i) => ({
      name: `layer${Math.floor(i / 10) + 1}.${i % 10}.${'branch'.repeat(13)}`,
      paramGradNorm: 0.123456789,
      inputGradNorm: 0.987654321,
      activationNorm: 12.3456789,
    }));
    const events: EngineEvent[] = [];
    for (let epoch = 1; epoch <= 3; epoch++) {
      events.push({ v: 1, time: new Date().toISOString(), type: 'grad_flow', epoch, batches: 1, blocks });
      events.push(epochMetric(epoch, 'train', 1 / epoch));
    }
    const posted = await api(
      stack,
      'POST',
      `/runs/${run.id}/events`,
      { workerId: holder.id, attempt: 1, seq: 1, events },
      holder.as,
    );
    expect(posted.status).toBeLessThan(300);
    await waitFor('all 6 events on B', async () => (onB.live.length >= 6 ? true : undefined));
    expect(onB.live.map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(onB.live.map((e) => e.id)).toEqual(onA.live.map((e) => e.id));
    const finish = await api(
      stack,
      'POST',
      `/runs/${run.id}/finish`,
      {
        workerId: holder.id,
        attempt: 1,
        status: 'succeeded',
        exitCode: 0,
        signal: null,
        failureReason: null,
        stderrTail: null,
      },
      holder.as,
    );
    expect(finish.status).toBeLessThan(300);
    onA.socket.close();
    onB.socket.close();
  });

  it('streams every epoch to a socket on B while the worker talks to A, and finishes on B after A is killed', async () => {
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', {
      name: 'failover',
      config: tinyConfig({ epochs: EPOCHS }),
    });
    const onB = await watchRun(b.apiUrl, stack.admin.apiKey, run.id);
    const onA = await watchRun(stack.apiUrl, stack.admin.apiKey, run.id);
    sockets.push(onB.socket, onA.socket);
    // The workers list, which each replica filters for its own sockets: the worker registers through A.
    const workersOnB: WorkerDto[][] = [];
    onB.socket.on(STREAM.workers, (workers: WorkerDto[]) => workersOnB.push(workers));
    expect(await subscribeRoom(onB.socket, { kind: 'workers' })).toMatchObject({ ok: true });

    const worker = await stack.startWorker('replicas-worker', {
      apiUrl: `${stack.apiUrl},${b.apiUrl}`,
      env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_FAKE_EPOCH_MS: '500' },
    });

    // Killed just after epoch 3's val reached B: the next epoch is half a second away, so no event can be in the
    // gap between A's commit and A's broadcast (docs/replicas.md says what such a gap would lose).
    await waitFor('epoch 3 to reach the sockets on B and A', async () =>
      epochKeys(onB.live).includes('3:val') && epochKeys(onA.live).includes('3:val') ? true : undefined,
    );
    const ingestedByA = await counterOf(stack.apiUrl, 'reslab_ingest_batches_total');
    const ingestedByB = await counterOf(b.apiUrl, 'reslab_ingest_batches_total');
    await stack.orchestrator.stop('SIGKILL');
    const seenOnA = [...onA.live];

    const done = await runWhen(b.view, run.id, (r) => FINISHED.includes(r.status), 60_000);
    expect(done.status, worker.output().slice(-3000)).toBe('succeeded');
    // Every epoch is in the log before the run ends; the last one's broadcast may still be on its way.
    await waitFor('the test split to reach the socket on B', async () =>
      epochKeys(onB.live).includes(`${EPOCHS}:test`) ? true : undefined,
    );

    // The worker talked to A until A died, then to B.
    expect(ingestedByA).toBeGreaterThan(0);
    expect(ingestedByB).toBe(0);
    expect(await counterOf(b.apiUrl, 'reslab_ingest_batches_total')).toBeGreaterThan(0);
    expect(worker.output()).toContain('trying the next replica');
    expect(workersOnB.some((list) => list.some((w) => w.name === 'replicas-worker'))).toBe(true);

    // Every epoch stored once.
    const rows = await query<{ epoch: number; split: string }>(
      stack.db.url,
      'SELECT epoch, split::text FROM "EpochMetric" WHERE "runId" = $1',
      [run.id],
    );
    expect(rows.map((r) => `${r.epoch}:${r.split}`).sort()).toEqual(expectedKeys(EPOCHS));

    // B's socket saw every epoch live, once each, in the order printed, with event ids rising.
    expect(epochKeys(onB.live)).toEqual(printedOrder(EPOCHS));
    const ids = onB.live.map((e) => BigInt(e.id));
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as bigint))).toBe(true);
    expect(onB.live.map((e) => e.type === 'status' && e.payload.status)).toContain('succeeded');

    // A's socket, until A died, saw exactly what B's saw over the same stretch.
    expect(epochKeys(seenOnA)).toEqual(printedOrder(EPOCHS).slice(0, 6));
    expect(seenOnA.map((e) => e.id)).toEqual(onB.live.slice(0, seenOnA.length).map((e) => e.id));
  });
});
