import { Injectable } from '@nestjs/common';
import { MAX_REPLAY_EVENTS, type RunEventMessage, STREAM, type WorkerDto } from '@reslab/contracts';
import type { Server } from 'socket.io';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma, RunEvent } from '../generated/prisma/client.js';
import { workersVisibleTo } from '../identity/principal.js';
import { logger } from '../logger.js';

export type RunEventType = RunEventMessage['type'];

export interface PublishItem {
  run: { id: string; sweepId: string | null };
  type: RunEventType;
  payload: object;
}

export const runRoom = (id: string) => `run:${id}`;
export const sweepRoom = (id: string) => `sweep:${id}`;
export const WORKERS_ROOM = 'workers';

export function toRunEventMessage(event: RunEvent): RunEventMessage {
  return {
    id: event.id.toString(),
    runId: event.runId,
    sweepId: event.sweepId,
    type: event.type as RunEventType,
    payload: event.payload as Record<string, unknown>,
    time: event.createdAt.toISOString(),
  };
}

/**
 * Every change a client may watch goes through here: it is appended to the
 * RunEvent log (so a reconnecting client can replay what it missed) and then
 * pushed to the socket rooms of its run and its sweep.
 */
@Injectable()
export class RunEventsService {
  private server: Server | null = null;

  constructor(private readonly prisma: PrismaService) {}

  attach(server: Server): void {
    this.server = server;
  }

  async publish(run: { id: string; sweepId: string | null }, type: RunEventType, payload: object): Promise<void> {
    await this.publishMany([{ run, type, payload }]);
  }

  async publishMany(items: PublishItem[]) {
    this.emit(await this.append(this.prisma, items));
  }

  /** Appends to the log inside the caller's transaction; emit() the result once it commits. */
  async append(db: Prisma.TransactionClient, items: PublishItem[]): Promise<RunEvent[]> {
    if (!items.length) return [];
    return db.runEvent.createManyAndReturn({
      data: items.map(({ run, type, payload }) => ({ runId: run.id, sweepId: run.sweepId, type, payload })),
    });
  }

  /** Pushes logged events to the rooms of their run and sweep, oldest first. */
  emit(events: RunEvent[]): void {
    for (const event of [...events].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const message = toRunEventMessage(event);
      const rooms = [runRoom(event.runId), ...(event.sweepId ? [sweepRoom(event.sweepId)] : [])];
      this.server?.to(rooms).emit(STREAM.runEvent, message);
    }
  }

  /** Id of the newest event of a run or a sweep, '0' when none: read before a snapshot, nothing falls between. */
  async lastId(filter: { runId: string } | { sweepId: string }): Promise<string> {
    const last = await this.prisma.runEvent.findFirst({ where: filter, orderBy: { id: 'desc' }, select: { id: true } });
    return last ? last.id.toString() : '0';
  }

  /**
   * Events after `afterId` for one run or one sweep, oldest first; or `resync` (and no events) when they
   * cannot all be replayed: more than MAX_REPLAY_EVENTS of them, or some deleted by the retention policy.
   */
  async replay(
    filter: { runId: string } | { sweepId: string },
    afterId: bigint,
  ): Promise<{ missed: RunEventMessage[]; resync: boolean }> {
    // One row past the cap tells "exactly the cap" from "more", without reading the rest.
    const events = await this.prisma.runEvent.findMany({
      where: { ...filter, id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take: MAX_REPLAY_EVENTS + 1,
    });
    // Read after the events: a prune that deleted some of them before that read has marked its runs by now.
    const pruned = await this.prisma.run.aggregate({
      where: 'runId' in filter ? { id: filter.runId } : { sweepId: filter.sweepId },
      _max: { eventsPrunedThrough: true },
    });
    const prunedThrough = pruned._max.eventsPrunedThrough;
    if (events.length > MAX_REPLAY_EVENTS || (prunedThrough !== null && afterId < prunedThrough)) {
      return { missed: [], resync: true };
    }
    return { missed: events.map(toRunEventMessage), resync: false };
  }

  broadcastWorkers(workers: WorkerDto[]): void {
    const server = this.server;
    if (!server) return;
    // Each socket gets the workers its caller may see: its teams' and the shared ones.
    void server
      .in(WORKERS_ROOM)
      .fetchSockets()
      .then((sockets) => {
        for (const socket of sockets) socket.emit(STREAM.workers, workersVisibleTo(socket.data.principal, workers));
      })
      .catch((error: Error) => logger.warn({ err: error.message }, 'workers broadcast failed'));
  }
}
