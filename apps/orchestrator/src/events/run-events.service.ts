import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import {
  MAX_REPLAY_EVENTS,
  type RunEventBody,
  type RunEventMessage,
  type RunEventType,
  type WorkerDto,
} from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma, RunEvent } from '../generated/prisma/client.js';

/** The events of one run, of a sweep's runs, or of an analysis's jobs (RunEvent's indexed columns). */
export type EventFilter = { runId: string } | { sweepId: string } | { analysisId: string };

/** The run an event is about: its sweep and analysis rooms get the event too. */
export type EventRun = { id: string; sweepId: string | null; analysisId?: string | null };
export type PublishItem = { run: EventRun } & RunEventBody;

/** A logged row as the stream sends it. Rows are written only by append(), from typed items, so no parse. */
export function toRunEventMessage(event: RunEvent): RunEventMessage {
  return {
    id: event.id.toString(),
    runId: event.runId,
    sweepId: event.sweepId,
    analysisId: event.analysisId,
    type: event.type,
    payload: event.payload,
    time: event.createdAt.toISOString(),
  } as RunEventMessage;
}

/**
 * Every change a client may watch goes through here: it is appended to the
 * RunEvent log (so a reconnecting client can replay what it missed) and then
 * announced, in process, to whoever listens: the socket gateway (stream/),
 * which owns the socket server and its rooms. This service knows no sockets.
 */
@Injectable()
export class RunEventsService {
  private readonly announcements = new EventEmitter<{ logged: [RunEventMessage]; workers: [WorkerDto[]] }>();

  constructor(private readonly prisma: PrismaService) {}

  /** Called with each logged event once its transaction has committed, oldest first. */
  onLogged(listener: (event: RunEventMessage) => void): void {
    this.announcements.on('logged', listener);
  }

  /** Called with the whole workers list (every team's) whenever a worker changes. */
  onWorkersChanged(listener: (workers: WorkerDto[]) => void): void {
    this.announcements.on('workers', listener);
  }

  async publish<T extends RunEventType>(
    run: EventRun,
    type: T,
    payload: Extract<RunEventBody, { type: T }>['payload'],
  ): Promise<void> {
    await this.publishMany([{ run, type, payload } as PublishItem]);
  }

  async publishMany(items: PublishItem[]) {
    this.emit(await this.append(this.prisma, items));
  }

  /** Appends to the log inside the caller's transaction; emit() the result once it commits. */
  async append(db: Prisma.TransactionClient, items: PublishItem[]): Promise<RunEvent[]> {
    if (!items.length) return [];
    return db.runEvent.createManyAndReturn({
      data: items.map(({ run, type, payload }) => ({
        runId: run.id,
        sweepId: run.sweepId,
        analysisId: run.analysisId ?? null,
        type,
        payload,
      })),
    });
  }

  /** Announces logged events, oldest first. */
  emit(events: RunEvent[]): void {
    for (const event of [...events].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      this.announcements.emit('logged', toRunEventMessage(event));
    }
  }

  /** Id of the newest event of a run, sweep or analysis, '0' when none: read before a snapshot, nothing falls between. */
  async lastId(filter: EventFilter): Promise<string> {
    const last = await this.prisma.runEvent.findFirst({ where: filter, orderBy: { id: 'desc' }, select: { id: true } });
    return last ? last.id.toString() : '0';
  }

  /**
   * Events after `afterId` for one run or one sweep, oldest first; or `resync` (and no events) when they
   * cannot all be replayed: more than MAX_REPLAY_EVENTS of them, or some deleted by the retention policy.
   */
  async replay(filter: EventFilter, afterId: bigint): Promise<{ missed: RunEventMessage[]; resync: boolean }> {
    // One row past the cap tells "exactly the cap" from "more", without reading the rest.
    const events = await this.prisma.runEvent.findMany({
      where: { ...filter, id: { gt: afterId } },
      orderBy: { id: 'asc' },
      take: MAX_REPLAY_EVENTS + 1,
    });
    // Read after the events: a prune that deleted some of them before that read has marked its runs by now.
    const pruned = await this.prisma.run.aggregate({
      where: 'runId' in filter ? { id: filter.runId } : filter,
      _max: { eventsPrunedThrough: true },
    });
    const prunedThrough = pruned._max.eventsPrunedThrough;
    if (events.length > MAX_REPLAY_EVENTS || (prunedThrough !== null && afterId < prunedThrough)) {
      return { missed: [], resync: true };
    }
    return { missed: events.map(toRunEventMessage), resync: false };
  }

  /** Announces the whole workers list after a change; the gateway sends each socket the part its caller may see. */
  broadcastWorkers(workers: WorkerDto[]): void {
    this.announcements.emit('workers', workers);
  }
}
