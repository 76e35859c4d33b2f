import { type RunDto, STREAM, type SubscribeAck, type SubscribeRequest } from '@reslab/contracts';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, queryOne } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

/** RESLAB_EVENT_RETENTION_HOURS's default. */
const RETENTION_HOURS = 168;

describe('RunEvent retention (real orchestrator and Postgres, default retention, a pass every lease period)', () => {
  let stack: Stack;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // A 2 s lease: the retention pass runs every 2 s.
    stack = await startStack('reslab_retention', { leaseSeconds: 2 });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.stop();
  });

  const eventCount = async (runId: string) =>
    (
      await query<{ n: number }>(stack.db.url, `SELECT count(*)::int AS n FROM "RunEvent" WHERE "runId" = $1`, [runId])
    )[0]?.n ?? 0;

  const subscribe = (request: SubscribeRequest): Promise<SubscribeAck> => {
    const socket = io(stack.apiUrl, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: stack.admin.apiKey },
    });
    sockets.push(socket);
    return socket.timeout(10_000).emitWithAck(STREAM.subscribe, request);
  };

  it("deletes an old finished run's events, keeps a running and a recently finished run's, and says resync", async () => {
    const create = async (name: string) =>
      (await api<RunDto>(stack, 'POST', '/runs', { name, config: tinyConfig() })).body;
    const old = await create('finished 8 days ago');
    const recent = await create('finished an hour ago');
    const running = await create('running for 9 days');
    for (const run of [old, recent, running]) {
      await query(
        stack.db.url,
        `INSERT INTO "RunEvent" ("runId", type, payload)
         SELECT $1, 'epoch_metric', jsonb_build_object('epoch', e, 'split', 'train') FROM generate_series(1, 3) e`,
        [run.id],
      );
    }
    // Read before the run is marked finished: a retention pass may prune it at any moment after that.
    const { newest } = await queryOne<{ newest: string }>(
      stack.db.url,
      `SELECT max(id)::text AS newest FROM "RunEvent" WHERE "runId" = $1`,
      [old.id],
    );
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    const finish = `UPDATE "Run" SET status = 'succeeded', "startedAt" = $2, "finishedAt" = $3 WHERE id = $1`;
    await query(stack.db.url, finish, [old.id, hoursAgo(RETENTION_HOURS + 10), hoursAgo(RETENTION_HOURS + 1)]);
    await query(stack.db.url, finish, [recent.id, hoursAgo(2), hoursAgo(1)]);
    await query(stack.db.url, `UPDATE "Run" SET status = 'running', "startedAt" = $2 WHERE id = $1`, [
      running.id,
      hoursAgo(9 * 24),
    ]);

    await waitFor('the retention pass to prune the old run', async () =>
      (await eventCount(old.id)) === 0 ? true : undefined,
    );
    expect(await eventCount(recent.id)).toBe(4);
    expect(await eventCount(running.id)).toBe(4);
    const { through } = await queryOne<{ through: string | null }>(
      stack.db.url,
      `SELECT "eventsPrunedThrough"::text AS through FROM "Run" WHERE id = $1`,
      [old.id],
    );
    expect(through).toBe(newest);

    // A client that last saw an event before the pruned ones is told to resync; one that saw them all is not.
    const stale = await subscribe({ room: { kind: 'run', id: old.id }, afterEventId: '0' });
    expect(stale.ok && stale.resync).toBe(true);
    expect(stale.ok ? (stale.snapshot as { run: RunDto }).run.status : null).toBe('succeeded');
    const upToDate = await subscribe({ room: { kind: 'run', id: old.id }, afterEventId: newest });
    expect(upToDate.ok && upToDate.resync).toBe(false);
    const live = await subscribe({ room: { kind: 'run', id: running.id }, afterEventId: '0' });
    expect(live.ok && !live.resync && live.missed.length).toBe(4);
  });
});
