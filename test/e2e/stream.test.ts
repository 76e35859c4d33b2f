import type { RunDto, SubscribeAckOf, SubscribeRequest } from '@reslab/contracts';
import { fieldIssues, parseSubscribeAck, RunEventMessage, STREAM } from '@reslab/contracts';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { expectedKeys, metricsOf, runWhen, tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

type Ack = SubscribeAckOf<'run'>;

/** An ack as the contract reads it: one that breaks it fails the test, naming the field. */
function runAck(raw: unknown): Ack {
  const parsed = parseSubscribeAck('run', raw);
  if (!parsed.success) throw new Error(`the ack breaks the contract: ${JSON.stringify(fieldIssues(parsed.error))}`);
  return parsed.data;
}

/** One subscription as a test sees it: what the ack replayed, and what was pushed live afterwards. */
interface Subscription {
  socket: Socket;
  ack: Promise<Ack>;
  live: RunEventMessage[];
}

function subscribe(stack: Stack, runId: string, afterEventId?: string): Subscription {
  const socket = io(stack.apiUrl, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token: stack.admin.apiKey },
  });
  const live: RunEventMessage[] = [];
  socket.on(STREAM.runEvent, (raw: unknown) => live.push(RunEventMessage.parse(raw)));
  const request: SubscribeRequest = { room: { kind: 'run', id: runId }, ...(afterEventId ? { afterEventId } : {}) };
  const ack = socket.emitWithAck(STREAM.subscribe, request).then(runAck);
  return { socket, ack, live };
}

/** Ack's replay, then live events the replay did not already hold: a client's view, in arrival order. */
async function received(sub: Subscription): Promise<RunEventMessage[]> {
  const ack = await sub.ack;
  if (!ack.ok) throw new Error(ack.error);
  const replayed = new Set(ack.missed.map((e) => e.id));
  return [...ack.missed, ...sub.live.filter((e) => !replayed.has(e.id))];
}

const epochOf = (e: RunEventMessage) => (e.type === 'epoch_metric' ? `${e.payload.epoch}:${e.payload.split}` : null);

describe('live stream over socket.io (FAKE engine, real orchestrator and worker)', () => {
  let stack: Stack;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack('reslab_stream', { leaseSeconds: 3 });
    await stack.startWorker('stream-worker', {
      env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_FAKE_EPOCH_MS: '500' },
    });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.stop();
  });

  it('pushes each epoch to a subscriber; a client that reconnects with afterEventId gets exactly what it missed', async () => {
    const epochs = 6;
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', {
      name: 'streamed',
      config: tinyConfig({ epochs }),
    });

    const watcher = subscribe(stack, run.id, '0');
    const flaky = subscribe(stack, run.id, '0');
    sockets.push(watcher.socket, flaky.socket);

    // The flaky client drops after epoch 2 and comes back once epoch 4 is stored, having missed epochs 3-4.
    await waitFor('the flaky client to see epoch 2', async () =>
      (await received(flaky)).some((e) => epochOf(e) === '2:val') ? true : undefined,
    );
    flaky.socket.close();
    const before = await received(flaky);
    const lastSeen = before.reduce((max, e) => (BigInt(e.id) > max ? BigInt(e.id) : max), 0n);
    await waitFor('epoch 4 to be stored', async () =>
      (await metricsOf(stack, run.id)).some((m) => m.epoch === 4) ? true : undefined,
    );
    const back = subscribe(stack, run.id, lastSeen.toString());
    sockets.push(back.socket);

    const done = await runWhen(stack, run.id, (r) => r.status === 'succeeded', 30_000);
    const log = await query<{ id: string }>(
      stack.db.url,
      `SELECT id::text AS id FROM "RunEvent" WHERE "runId" = $1 ORDER BY "RunEvent".id`,
      [run.id],
    );
    const logIds = log.map((r) => r.id);
    await waitFor('the last event to reach both clients', async () =>
      [watcher, back].every((s) => s.live.some((e) => e.id === logIds.at(-1))) ? true : undefined,
    );

    // The watcher: every epoch, each split once; the later epochs pushed live, not replayed.
    const seen = await received(watcher);
    expect(seen.map((e) => e.id)).toEqual(logIds);
    expect(seen.map(epochOf).filter(Boolean).sort()).toEqual(expectedKeys(epochs));
    for (const epoch of [epochs - 1, epochs]) {
      expect(watcher.live.some((e) => epochOf(e) === `${epoch}:train`)).toBe(true);
    }
    expect(seen.at(-1)?.payload).toMatchObject({ status: 'succeeded', workerId: done.workerId });

    // The reconnected client: the replay holds only what it had not seen, and nothing is missing.
    const backAck = await back.ack;
    expect(backAck.ok).toBe(true);
    const replayed = backAck.ok ? backAck.missed : [];
    expect(replayed.length, 'it missed epochs 3 and 4').toBeGreaterThanOrEqual(4);
    expect(replayed.every((e) => BigInt(e.id) > lastSeen)).toBe(true);
    const after = await received(back);
    const all = [...before, ...after].map((e) => e.id);
    expect(new Set(all).size, 'no event twice').toBe(all.length);
    expect(all).toEqual(logIds);
    expect([...before, ...after].map(epochOf).filter(Boolean).sort()).toEqual(expectedKeys(epochs));
  });

  it('answers a malformed subscription with an error naming the field', async () => {
    const socket = io(stack.apiUrl, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: stack.admin.apiKey },
    });
    sockets.push(socket);
    const ack = runAck(
      await socket.emitWithAck(STREAM.subscribe, { room: { kind: 'run', id: 'not-a-uuid' }, afterEventId: '-1' }),
    );
    expect(ack.ok).toBe(false);
    expect(ack.ok ? '' : ack.error).toMatch(/room/);
    expect(ack.ok ? '' : ack.error).toMatch(/afterEventId/);
  });
});
