/**
 * The dashboard's one client for the orchestrator's live stream (socket.io).
 *
 * `subscribe` joins a room and hands back its snapshot, then every
 * `run_event` (or `workers` list) as it happens. After a dropped connection it
 * subscribes again with the last event id it saw, so the server replays what
 * was missed (`missed` in the ack) and no epoch is lost; past the replay cap
 * the ack says `resync` instead, and the fresh snapshot replaces the view.
 *
 * The handshake carries the caller's credential: the session cookie, which the
 * browser sends to the orchestrator's port of the same host (`withCredentials`),
 * or on a share page the link's token as `auth: { token }`. A handshake refused
 * for its credential (revoked link, ended session) is the state `denied`, and is
 * not retried.
 */
import {
  backoffMs,
  fieldIssues,
  isLaterEventId,
  parseSubscribeAck,
  type RoomKind,
  type RoomSnapshot,
  RunEventMessage,
  STREAM,
  type SubscribeRequest,
  WorkerList,
} from '@reslab/contracts';
import { io, type Socket } from 'socket.io-client';

export type Room = SubscribeRequest['room'];

export type StreamState = 'connecting' | 'live' | 'offline' | 'error' | 'denied';

/** Where the socket connects, and with what. */
export interface StreamConnection {
  base: string;
  /** A share link's token, sent as the handshake's `auth.token`; without one the session cookie goes along. */
  token?: string;
}

/**
 * What a room delivers, typed by its kind (libs/contracts RoomSnapshot). The handlers fold it into page state
 * with lib/stream-fold.ts.
 */
export interface RoomHandlers<K extends RoomKind> {
  /** The room as it is now; called again after each reconnect. */
  onSnapshot(snapshot: RoomSnapshot<K>): void;
  /**
   * Each event after the snapshot, in arrival order, which need not be id order; one may come twice (a replay
   * overlaps what was pushed), so the folds are idempotent.
   */
  onEvent?(event: RunEventMessage): void;
  onWorkers?(workers: WorkerList): void;
  onState?(state: StreamState, detail?: string): void;
}

/**
 * Whether a refused handshake was refused for its credential. The orchestrator's socket middleware fails the
 * handshake with an error whose `data.status` is 401 (or 403); its message names the reason.
 */
export function deniedHandshake(error: Error & { data?: unknown }): boolean {
  const status = (error.data as { status?: unknown; statusCode?: unknown } | undefined) ?? {};
  const code = status.status ?? status.statusCode;
  if (code === 401 || code === 403) return true;
  // Until every refusal carries data.status: the orchestrator's words for a missing, ended or revoked credential.
  return /unauthori[sz]ed|forbidden|\b40[13]\b|revoked|expired|credential|\bsign(ed)? (in|out)\b/i.test(error.message);
}

export function subscribe<R extends Room>(
  connection: StreamConnection,
  room: R,
  handlers: RoomHandlers<R['kind']>,
): () => void {
  const socket: Socket = io(connection.base, {
    transports: ['websocket'],
    reconnectionDelayMax: 5000,
    withCredentials: connection.token === undefined,
    ...(connection.token ? { auth: { token: connection.token } } : {}),
  });
  /** The newest event id seen: a reconnect asks for the events after it. */
  let lastEventId: string | null = null;
  let closed = false;
  /**
   * Events pushed between joining the room and the ack: the snapshot may or may
   * not hold them, so they wait and are handed over after it (the folds skip what
   * the snapshot holds).
   */
  let early: RunEventMessage[] | null = null;
  /** Refused subscriptions in a row (the orchestrator is up but cannot read its database, say): the backoff's exponent. */
  let refusals = 0;
  let rejoin: ReturnType<typeof setTimeout> | undefined;
  const joinLater = () => {
    clearTimeout(rejoin);
    rejoin = setTimeout(() => {
      if (socket.connected && !closed) join();
    }, backoffMs(refusals++));
  };

  const apply = (event: RunEventMessage) => {
    if (lastEventId === null || isLaterEventId(event.id, lastEventId)) lastEventId = event.id;
    handlers.onEvent?.(event);
  };
  const deliver = (raw: unknown) => {
    const parsed = RunEventMessage.safeParse(raw);
    if (!parsed.success) return;
    if (early) early.push(parsed.data);
    else apply(parsed.data);
  };

  const join = () => {
    early = [];
    const request: SubscribeRequest = lastEventId === null ? { room } : { room, afterEventId: lastEventId };
    socket.emit(STREAM.subscribe, request, (raw: unknown) => {
      const waiting = early ?? [];
      early = null;
      if (closed) return;
      const parsed = parseSubscribeAck(room.kind as R['kind'], raw);
      if (!parsed.success) {
        const issues = fieldIssues(parsed.error).map((i) => `${i.path}: ${i.message}`);
        handlers.onState?.('error', `the stream sent an answer this dashboard does not read (${issues.join('; ')})`);
        joinLater();
        return;
      }
      const ack = parsed.data;
      if (!ack.ok) {
        handlers.onState?.('error', ack.error);
        joinLater();
        return;
      }
      // A resync replays nothing (too much was missed, or pruned): the snapshot stands in, and the stream
      // continues from its id. The workers room has no ids: each message is the whole list.
      const snapshotId = Array.isArray(ack.snapshot) ? null : ack.snapshot.lastEventId;
      if ((lastEventId === null || ack.resync) && snapshotId !== null) lastEventId = snapshotId;
      handlers.onSnapshot(ack.snapshot as RoomSnapshot<R['kind']>);
      refusals = 0;
      for (const event of ack.missed) apply(event);
      for (const event of waiting) apply(event);
      handlers.onState?.('live');
    });
  };
  socket.on('connect', () => {
    clearTimeout(rejoin);
    join();
  });
  socket.on(STREAM.runEvent, deliver);
  socket.on(STREAM.workers, (raw: unknown) => {
    const parsed = WorkerList.safeParse(raw);
    if (parsed.success) handlers.onWorkers?.(parsed.data);
  });
  socket.on('disconnect', (reason) => {
    if (closed) return;
    handlers.onState?.('offline');
    // socket.io reconnects by itself after a lost transport, but not after the server closed the socket.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (error) => {
    if (closed) return;
    if (deniedHandshake(error)) {
      // Retrying with the same credential cannot succeed: stop, and let the page say why.
      socket.close();
      handlers.onState?.('denied', error.message);
      return;
    }
    handlers.onState?.('offline', error.message);
  });
  handlers.onState?.('connecting');

  return () => {
    closed = true;
    clearTimeout(rejoin);
    socket.close();
  };
}
