import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import {
  fieldIssues,
  type RunEventMessage,
  STREAM,
  type SubscribeAck,
  SubscribeRequest,
  type WorkerDto,
} from '@reslab/contracts';
import type { Server, Socket } from 'socket.io';
import { AnalysesService } from '../analyses/analyses.service.js';
import { RunEventsService } from '../events/run-events.service.js';
import { ExternalRunsService } from '../external-runs/external-runs.service.js';
import { AccessService } from '../identity/access.service.js';
import { AuthenticatorService } from '../identity/authenticator.service.js';
import { CredentialRevocations } from '../identity/credential-revocations.js';
import { type Principal, workersVisibleTo } from '../identity/principal.js';
import { PrincipalCache } from '../identity/principal-cache.js';
import { runInScope } from '../identity/request-scope.js';
import { logger } from '../logger.js';
import { RunsService } from '../runs/runs.service.js';
import { SweepsService } from '../sweeps/sweeps.service.js';
import { WorkersService } from '../workers/workers.service.js';

const runRoom = (id: string) => `run:${id}`;
const sweepRoom = (id: string) => `sweep:${id}`;
const analysisRoom = (id: string) => `analysis:${id}`;
const WORKERS_ROOM = 'workers';
/** Notices one replica sends the others (socket.io's serverSideEmit), which each acts on for its own sockets. */
const REPLICA_NOTICE = {
  workers: 'replica:workers',
  credentialRevoked: 'replica:credential-revoked',
  userChanged: 'replica:user-changed',
} as const;
function roomName(room: SubscribeRequest['room']): string {
  switch (room.kind) {
    case 'workers':
      return WORKERS_ROOM;
    case 'run':
    case 'externalRun':
      return runRoom(room.id);
    case 'sweep':
      return sweepRoom(room.id);
    case 'analysis':
      return analysisRoom(room.id);
  }
}
const roomsOf = (event: RunEventMessage) => [
  runRoom(event.runId),
  ...(event.sweepId ? [sweepRoom(event.sweepId)] : []),
  ...(event.analysisId ? [analysisRoom(event.analysisId)] : []),
];

/**
 * socket.io rooms per run, per sweep, per analysis (its jobs' events) and for the workers list. Subscribing
 * answers (as the ack) with the room's snapshot and the events after
 * `afterEventId`, or `resync` when those cannot all be replayed (SubscribeAck);
 * later deltas arrive as `run_event` / `workers` messages.
 * The client joins before the snapshot is read, so no event falls between.
 *
 * A connection authenticates once, in its handshake, with the same
 * credentials as REST (session cookie, `auth.token`, or a Bearer header); each
 * join is checked against what that credential may read, and a revoked
 * credential's sockets are closed at once. Origins are checked by the adapter
 * (stream-io.adapter.ts) before any of this.
 *
 * The socket server stays here (NestJS's way): the event log (events/) only
 * announces what it logged, and this gateway sends it to the rooms.
 */
/** A refused handshake: clients read `data.status` (as on REST) to tell a bad credential from an outage. */
function refused(status: number, message: string): Error & { data: { status: number } } {
  return Object.assign(new Error(message), { data: { status } });
}

@WebSocketGateway()
export class StreamGateway implements OnGatewayInit {
  constructor(
    private readonly events: RunEventsService,
    private readonly runs: RunsService,
    private readonly sweeps: SweepsService,
    private readonly analyses: AnalysesService,
    private readonly externalRuns: ExternalRunsService,
    private readonly workers: WorkersService,
    private readonly authenticator: AuthenticatorService,
    private readonly access: AccessService,
    private readonly revocations: CredentialRevocations,
    private readonly principals: PrincipalCache,
  ) {}

  afterInit(server: Server): void {
    // Through the Postgres adapter (stream-io.adapter.ts), to the room's sockets on every replica, in log order.
    this.events.onLogged((event) => server.to(roomsOf(event)).emit(STREAM.runEvent, event));
    // What each socket may see is decided where the socket lives, from its own principal: this replica tells the
    // others (serverSideEmit), and each sends to its own sockets.
    const everywhere = <T>(name: string, handle: (arg: T) => void) => {
      server.on(name, handle);
      return (arg: T) => {
        handle(arg);
        server.serverSideEmit(name, arg);
      };
    };
    const sendWorkers = everywhere(REPLICA_NOTICE.workers, (workers: WorkerDto[]) => this.sendWorkers(server, workers));
    const close = (match: (principal: Principal) => boolean) => {
      for (const socket of server.sockets.sockets.values()) {
        if (match(socket.data.principal as Principal)) socket.disconnect(true);
      }
    };
    const credentialRevoked = everywhere(REPLICA_NOTICE.credentialRevoked, (id: string) =>
      close((p) => p.credential.id === id),
    );
    // A member whose role changed reconnects, and so is authorised afresh.
    const userChanged = everywhere(REPLICA_NOTICE.userChanged, (userId: string) =>
      close((p) => p.kind === 'user' && p.userId === userId),
    );
    this.events.onWorkersChanged(sendWorkers);
    this.revocations.onCredentialRevoked(credentialRevoked);
    this.revocations.onUserChanged(userChanged);
    // Another replica's notice also drops what this replica cached for the credential or user (this replica's own
    // changes reach the cache through CredentialRevocations).
    server.on(REPLICA_NOTICE.credentialRevoked, (id: string) => this.principals.forgetCredential(id));
    server.on(REPLICA_NOTICE.userChanged, (userId: string) => this.principals.forgetUser(userId));
    server.use((socket, next) => {
      this.authenticator
        .authenticate({
          authorization: socket.handshake.headers.authorization,
          cookie: socket.handshake.headers.cookie,
          token: (socket.handshake.auth as { token?: unknown } | undefined)?.token,
          address: socket.handshake.address ?? null,
        })
        .then((principal) => {
          if (!principal) return next(refused(401, 'sign in, or pass an API key or share link as auth.token'));
          if (principal.kind === 'worker') return next(refused(403, 'a worker secret does not open the stream'));
          socket.data.principal = principal;
          next();
        })
        .catch((error: { getStatus?: () => number; response?: { message?: string }; message: string }) =>
          // Not an HTTP refusal: the credential could not be looked up (the database is down), so retry.
          error.getStatus
            ? next(refused(error.getStatus(), error.response?.message ?? error.message))
            : next(refused(503, 'the database is unreachable; retrying')),
        );
    });
  }

  /** Each socket of the workers room on this replica gets the workers its caller may see: its teams' and the shared ones. */
  private sendWorkers(server: Server, workers: WorkerDto[]): void {
    for (const id of server.sockets.adapter.rooms.get(WORKERS_ROOM) ?? []) {
      const socket = server.sockets.sockets.get(id);
      socket?.emit(STREAM.workers, workersVisibleTo(socket.data.principal, workers));
    }
  }

  @SubscribeMessage(STREAM.subscribe)
  subscribe(@ConnectedSocket() client: Socket, @MessageBody() body: unknown): Promise<SubscribeAck> {
    const principal = client.data.principal as Principal;
    return runInScope({ principal, data: this.access.scopeFor(principal) }, () => this.join(client, principal, body));
  }

  private async join(client: Socket, principal: Principal, body: unknown): Promise<SubscribeAck> {
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
        if (principal.kind !== 'user') return { ok: false, error: 'a share link does not open the workers list' };
        await client.join(WORKERS_ROOM);
        return { ok: true, snapshot: await this.workers.listDtos(), ...nothingMissed };
      }
      // Another team's run reads exactly as one that does not exist.
      const resource = room.kind === 'externalRun' ? 'run' : room.kind;
      if (!(await this.access.canRead(principal, resource, room.id))) {
        return { ok: false, error: `${room.kind} ${room.id} does not exist` };
      }
      if (room.kind === 'externalRun') {
        // The run's own room: its events are published to the run, as an engine run's are.
        await client.join(runRoom(room.id));
        const snapshot = await this.externalRuns.snapshot(room.id);
        const replay = after === null ? nothingMissed : await this.events.replay({ runId: room.id }, after);
        return { ok: true, snapshot, ...replay };
      }
      if (room.kind === 'run') {
        await client.join(runRoom(room.id));
        const snapshot = await this.runs.snapshot(room.id);
        const replay = after === null ? nothingMissed : await this.events.replay({ runId: room.id }, after);
        return { ok: true, snapshot, ...replay };
      }
      if (room.kind === 'analysis') {
        await client.join(analysisRoom(room.id));
        const lastEventId = await this.events.lastId({ analysisId: room.id });
        const snapshot = { ...(await this.analyses.detail(room.id)), lastEventId };
        const replay = after === null ? nothingMissed : await this.events.replay({ analysisId: room.id }, after);
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
    await client.leave(roomName(room));
    return { ok: true };
  }
}
