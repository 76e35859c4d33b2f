import { readFileSync } from 'node:fs';
import {
  fieldIssues,
  MAX_REPLAY_EVENTS,
  parseSubscribeAck,
  type RoomKind,
  type RunDto,
  STREAM,
  type SubscribeAckOf,
  type SubscribeRequest,
  type SweepDetailDto,
} from '@reslab/contracts';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, queryOne } from '../support/postgres.js';
import { tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

const RUNS = 1000;
/** epoch_metric events per run written into the log: with the `queued` event, 3 per run, 3,000 for the sweep. */
const EPOCHS_LOGGED = 2;
/** Subscribers replaying from event 0 at once: the case a reconnect storm after an outage makes. */
const SUBSCRIBERS = 10;
/** Generous: the orchestrator starts near 280 MB (Prisma, NestJS, socket.io); the bound is on growth, not on that. */
const RSS_BOUND_MB = 512;

/** An epoch_metric payload as the stream stores it since confusion matrices left the log: 10 classes. */
function epochPayload(epoch: number) {
  const perClass = Array.from({ length: 10 }, (_, i) => ({
    precision: 0.9 - i / 100,
    recall: 0.88 + i / 200,
    f1: 0.89,
    support: 200,
  }));
  return {
    epoch,
    split: 'train',
    loss: 0.4123456789,
    accuracy: 0.8712345678,
    precision: 0.8698765432,
    recall: 0.8701234567,
    f1: 0.8699876543,
    perClass,
    weighted: { precision: 0.87, recall: 0.871, f1: 0.8705 },
    top5: 0.99,
    lr: 0.1,
    seconds: 12.34,
    hasConfusion: true,
  };
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  const kb = Number(line?.match(/(\d+)\s*kB/)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for process ${pid}`);
  return kb / 1024;
}

/** One subscribe, its ack read as the contract says (a broken ack fails the test, naming the field). */
async function subscribeOnce<K extends RoomKind>(
  stack: Stack,
  request: SubscribeRequest & { room: { kind: K } },
  sockets: Socket[],
): Promise<SubscribeAckOf<K>> {
  const socket = io(stack.apiUrl, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token: stack.admin.apiKey },
  });
  sockets.push(socket);
  const parsed = parseSubscribeAck(
    request.room.kind,
    await socket.timeout(60_000).emitWithAck(STREAM.subscribe, request),
  );
  if (!parsed.success) throw new Error(`the ack breaks the contract: ${JSON.stringify(fieldIssues(parsed.error))}`);
  return parsed.data;
}

describe('the live stream stays bounded: capped replay, resync, orchestrator memory (real orchestrator)', () => {
  let stack: Stack;
  let sweep: SweepDetailDto;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack('reslab_bounded');
    const created = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'a thousand seeds',
      base: tinyConfig({ epochs: EPOCHS_LOGGED }),
      grid: { seed: Array.from({ length: RUNS }, (_, i) => i) },
    });
    expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
    sweep = created.body;
    // Epochs straight into the log: posting them as the holding worker would take 1,000 claims first, and
    // the stream only reads the log.
    for (let epoch = 1; epoch <= EPOCHS_LOGGED; epoch++) {
      await query(
        stack.db.url,
        `INSERT INTO "RunEvent" ("runId", "sweepId", type, payload)
         SELECT id, "sweepId", 'epoch_metric', $2::jsonb FROM "Run" WHERE "sweepId" = $1 ORDER BY name`,
        [sweep.id, JSON.stringify(epochPayload(epoch))],
      );
    }
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.stop();
  });

  it('answers a replay from event 0 of a 1,000-run sweep with resync and the snapshot, not 3,000 events', async () => {
    const { count } = await queryOne<{ count: string }>(
      stack.db.url,
      `SELECT count(*)::text AS count FROM "RunEvent" WHERE "sweepId" = $1`,
      [sweep.id],
    );
    expect(Number(count)).toBe(RUNS * (1 + EPOCHS_LOGGED));
    const pid = stack.orchestrator.child.pid as number;
    const before = rssMb(pid);

    const acks = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, () =>
        subscribeOnce(stack, { room: { kind: 'sweep', id: sweep.id }, afterEventId: '0' }, sockets),
      ),
    );
    const after = rssMb(pid);
    console.log(
      `orchestrator RSS: ${before.toFixed(0)} MB before, ${after.toFixed(0)} MB after ${SUBSCRIBERS} replays ` +
        `from event 0 of a ${RUNS}-run sweep with ${count} events (bound ${RSS_BOUND_MB} MB)`,
    );

    for (const ack of acks) {
      expect(ack.ok, ack.ok ? '' : ack.error).toBe(true);
      if (!ack.ok) continue;
      expect(ack.missed.length).toBeLessThanOrEqual(MAX_REPLAY_EVENTS);
      expect(ack.resync).toBe(true);
      expect(ack.snapshot.runs).toHaveLength(RUNS);
      expect(ack.snapshot.counts.queued).toBe(RUNS);
    }
    const { last } = await queryOne<{ last: string }>(
      stack.db.url,
      `SELECT max(id)::text AS last FROM "RunEvent" WHERE "sweepId" = $1`,
      [sweep.id],
    );
    const first = acks[0];
    expect(first?.ok && first.snapshot.lastEventId, 'a resync continues from here').toBe(last);
    expect(after).toBeLessThan(RSS_BOUND_MB);
  });

  it('still replays in full what fits under the cap: one run from event 0, and the sweep from near its end', async () => {
    const run = sweep.runs[0] as RunDto;
    const ack = await subscribeOnce(stack, { room: { kind: 'run', id: run.id }, afterEventId: '0' }, sockets);
    expect(ack.ok && ack.resync).toBe(false);
    expect(ack.ok ? ack.missed.map((e) => e.type) : []).toEqual(['status', 'epoch_metric', 'epoch_metric']);

    const ids = await query<{ id: string }>(
      stack.db.url,
      `SELECT id::text AS id FROM "RunEvent" WHERE "sweepId" = $1 ORDER BY "RunEvent".id DESC LIMIT $2`,
      [sweep.id, MAX_REPLAY_EVENTS + 1],
    );
    // From just before the newest MAX_REPLAY_EVENTS: exactly the cap, replayed, no resync.
    const from = (ids.at(-1) as { id: string }).id;
    const atCap = await subscribeOnce(stack, { room: { kind: 'sweep', id: sweep.id }, afterEventId: from }, sockets);
    expect(atCap.ok && atCap.resync).toBe(false);
    expect(atCap.ok ? atCap.missed.length : -1).toBe(MAX_REPLAY_EVENTS);
    // One event earlier: one past the cap, so resync.
    const past = (BigInt(from) - 1n).toString();
    const overCap = await subscribeOnce(stack, { room: { kind: 'sweep', id: sweep.id }, afterEventId: past }, sockets);
    expect(overCap.ok && overCap.resync).toBe(true);
  });
});
