import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { fieldIssues, STREAM, type SubscribeAck, SubscribeRequest } from '@reslab/contracts';
import type { Server, Socket } from 'socket.io';
import { logger } from '../logger.js';
import { RunsService } from '../runs/runs.service.js';
import { SweepsService } from '../sweeps/sweeps.service.js';
import { WorkersService } from '../workers/workers.service.js';
import { RunEventsService, runRoom, sweepRoom, WORKERS_ROOM } from './run-events.service.js';

/**
 * socket.io rooms per run, per sweep and for the workers list. Subscribing
 * answers (as the ack) with the room's snapshot and the events after
 * `afterEventId`, or `resync` when those cannot all be replayed (SubscribeAck);
 * later deltas arrive as `run_event` / `workers` messages.
 * The client joins before the snapshot is read, so no event falls between.
 */
@WebSocketGateway({ cors: { origin: true } })
export class StreamGateway implements OnGatewayInit {
  constructor(
    private readonly events: RunEventsService,
    private readonly runs: RunsService,
    private readonly sweeps: SweepsService,
    private readonly workers: WorkersService,
  ) {}

  afterInit(server: Server): void {
    this.events.attach(server);
  }

  @SubscribeMessage(STREAM.subscribe)
  async subscribe(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    const parsed = SubscribeRequest.safeParse(body);
    if (!parsed.success) {
      return {
        ok: false,
        error: fieldIssues(parsed.error)
          .map((i) => `${i.path}: ${i.message}`)
          .join('; '),
      };
    }
    const { room, afterEventId } = parsed.data;
    const after = afterEventId === undefined ? null : BigInt(afterEventId);
    const nothingMissed = { missed: [], resync: false };
    try {
      if (room.kind === 'workers') {
        await client.join(WORKERS_ROOM);
        return { ok: true, snapshot: await this.workers.listDtos(), ...nothingMissed };
      }
      if (room.kind === 'run') {
        await client.join(runRoom(room.id));
        const snapshot = await this.runs.snapshot(room.id);
        const replay = after === null ? nothingMissed : await this.events.replay({ runId: room.id }, after);
        return { ok: true, snapshot, ...replay };
      }
      await client.join(sweepRoom(room.id));
      const lastEventId = await this.events.lastId({ sweepId: room.id });
      const snapshot = { ...(await this.sweeps.detail(room.id)), lastEventId };
      const replay = after === null ? nothingMissed : await this.events.replay({ sweepId: room.id }, after);
      return { ok: true, snapshot, ...replay };
    } catch (error) {
      logger.warn({ err: (error as Error).message, room }, 'subscribe failed');
      return { ok: false, error: (error as Error).message };
    }
  }

  @SubscribeMessage(STREAM.unsubscribe)
  async unsubscribe(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): Promise<{ ok: boolean }> {
    const parsed = SubscribeRequest.safeParse(body);
    if (!parsed.success) return { ok: false };
    const { room } = parsed.data;
    await client.leave(
      room.kind === 'workers' ? WORKERS_ROOM : room.kind === 'run' ? runRoom(room.id) : sweepRoom(room.id),
    );
    return { ok: true };
  }
}
