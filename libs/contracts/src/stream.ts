import { z } from 'zod';
import { AnalysisPartData, PartName } from './analysis.js';
import { AnalysisDetailDto } from './analysis-api.js';
import { EpochMetricDto, GradFlowDto, RunDto, RunStatus, SweepDetailDto, WorkerDto } from './api.js';
import { CurvatureEvent, EpochMetricEvent, GradFlowEvent } from './engine-events.js';
import { ExternalRunDto } from './external-runs.js';

/**
 * The live stream (socket.io). A client emits `subscribe` with a room and the
 * id of the last event it saw; the server answers with a snapshot of the room
 * and replays every later event (up to MAX_REPLAY_EVENTS, see SubscribeAck),
 * then pushes `run_event`s as they happen.
 * Event ids grow monotonically across the whole platform.
 */
export const SubscribeRequest = z
  .object({
    room: z.union([
      z.object({ kind: z.literal('run'), id: z.uuid() }).strict(),
      z.object({ kind: z.literal('sweep'), id: z.uuid() }).strict(),
      z.object({ kind: z.literal('workers') }).strict(),
      z.object({ kind: z.literal('analysis'), id: z.uuid() }).strict(),
      /** A run logged from outside (external-runs.ts): the same events as a run room, another snapshot. */
      z.object({ kind: z.literal('externalRun'), id: z.uuid() }).strict(),
    ]),
    /** Replay events after this id; omit for snapshot only. Decimal string: ids are 64-bit. */
    afterEventId: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional(),
  })
  .strict();
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;

/** Whether event id `a` is later than `b`: ids are decimal strings of 64-bit integers, too long for JS numbers. */
export function isLaterEventId(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/** Socket event names, one place for both ends. */
export const STREAM = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  snapshot: 'snapshot',
  runEvent: 'run_event',
  workers: 'workers',
} as const;

/** What subscribing to a run room answers with first. */
export const RunSnapshot = z.object({
  run: RunDto,
  metrics: z.array(EpochMetricDto),
  gradFlow: z.array(GradFlowDto),
  /** The per-epoch curvature diagnostic (diagnostics.curvatureEvery), oldest epoch first; [] when it is off. */
  curvature: z.array(CurvatureEvent.omit({ v: true, time: true, type: true })).default([]),
  /** Events up to this id are reflected in the snapshot; later ones are replayed or pushed. */
  lastEventId: z.string(),
});
export type RunSnapshot = z.infer<typeof RunSnapshot>;

/**
 * The most events one subscribe ack replays. The ack is built in the
 * orchestrator's memory and sent as one message, so a client that was away for
 * long (or asks from event 0 of a 1,000-run sweep) would otherwise cost memory
 * and bandwidth in proportion to the log; past this many, the snapshot is the
 * cheaper way to catch up.
 */
export const MAX_REPLAY_EVENTS = 1000;

/** A sweep room's snapshot: the sweep as GET /sweeps/:id serves it, and the id of the last event it reflects. */
export const SweepSnapshot = SweepDetailDto.extend({
  /** As in RunSnapshot: events up to this id are reflected; later ones are replayed or pushed. */
  lastEventId: z.string(),
});
export type SweepSnapshot = z.infer<typeof SweepSnapshot>;

/** The workers room's snapshot, and every `workers` message after it: the whole list the caller may see. */
export const WorkerList = z.array(WorkerDto);
export type WorkerList = z.infer<typeof WorkerList>;

/** An analysis room's snapshot: the analysis with every part stored so far, and the last event it reflects. */
export const AnalysisSnapshot = AnalysisDetailDto.extend({ lastEventId: z.string() });
export type AnalysisSnapshot = z.infer<typeof AnalysisSnapshot>;

/**
 * An external run room's snapshot: the run as GET /external-runs/:id serves it, its epochs as GET /runs/:id/metrics,
 * and the last event it reflects. Its events (epoch_metric, status) are those of a run room.
 */
export const ExternalRunSnapshot = z.object({
  run: ExternalRunDto,
  metrics: z.array(EpochMetricDto),
  lastEventId: z.string(),
});
export type ExternalRunSnapshot = z.infer<typeof ExternalRunSnapshot>;

export type RoomKind = SubscribeRequest['room']['kind'];

const ROOM_SNAPSHOTS = {
  run: RunSnapshot,
  sweep: SweepSnapshot,
  workers: WorkerList,
  analysis: AnalysisSnapshot,
  externalRun: ExternalRunSnapshot,
} as const;
export type RoomSnapshot<K extends RoomKind = RoomKind> = z.infer<(typeof ROOM_SNAPSHOTS)[K]>;

/** Payload of a `status` run event (RunsService). The first one, on creation, has only status and attempt 0. */
export const StatusEventPayload = z.object({
  status: RunStatus,
  attempt: z.int32(),
  workerId: z.uuid().nullable().optional(),
  failureReason: z.string().nullable().optional(),
});
export type StatusEventPayload = z.infer<typeof StatusEventPayload>;

/**
 * Payload of an `epoch_metric` run event: the engine's event less its envelope and its confusion matrix, which
 * stays in EpochMetric (GET /runs/:id/metrics, the run snapshot) so the event log carries no classes² counts.
 * `hasConfusion` says whether the stored row has one. Events logged before matrices left the log (commit
 * 1a6cc61) still carry `confusion` inline and no `hasConfusion`: they read as hasConfusion false, matrix kept.
 */
export const EpochMetricEventPayload = EpochMetricEvent.omit({ v: true, time: true, type: true }).extend({
  hasConfusion: z.boolean().default(false),
});
export type EpochMetricEventPayload = z.infer<typeof EpochMetricEventPayload>;

/** Payload of a `grad_flow` run event: the engine's event less its envelope; blocks in the model's order. */
export const GradFlowEventPayload = GradFlowEvent.omit({ v: true, time: true, type: true });
export type GradFlowEventPayload = z.infer<typeof GradFlowEventPayload>;

/** Payload of a `curvature` run event: the engine's event less its envelope. */
export const CurvatureEventPayload = CurvatureEvent.omit({ v: true, time: true, type: true });
export type CurvatureEventPayload = z.infer<typeof CurvatureEventPayload>;

/** Payload of an `analysis_part` run event: one stored part of an analysis job (chunk), and the chunk's progress. */
export const AnalysisPartEventPayload = z.object({
  part: PartName,
  chunk: z.int32().nonnegative(),
  data: AnalysisPartData,
  done: z.int32().nonnegative(),
  units: z.int32().positive(),
});
export type AnalysisPartEventPayload = z.infer<typeof AnalysisPartEventPayload>;

const RUN_EVENT_PAYLOADS = {
  status: StatusEventPayload,
  epoch_metric: EpochMetricEventPayload,
  grad_flow: GradFlowEventPayload,
  curvature: CurvatureEventPayload,
  analysis_part: AnalysisPartEventPayload,
} as const;

export const RUN_EVENT_TYPES = ['status', 'epoch_metric', 'grad_flow', 'curvature', 'analysis_part'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

const runEvent = <T extends RunEventType>(type: T) =>
  z.object({
    /** Decimal string: ids are 64-bit, and grow monotonically across the whole platform. */
    id: z.string(),
    runId: z.uuid(),
    sweepId: z.uuid().nullable(),
    /** Set on the events of an analysis job's run: the analysis room gets them too. */
    analysisId: z.uuid().nullable().default(null),
    type: z.literal(type),
    payload: RUN_EVENT_PAYLOADS[type],
    /** When the orchestrator logged it (not the engine's clock). */
    time: z.iso.datetime({ offset: true }),
  });

/**
 * One entry of the run event log, as `run_event` pushes it and the subscribe ack replays it: a union on `type`,
 * so a consumer that checks `type` has the payload's fields typed. The payloads are what RunEvent.payload
 * stores, old rows included.
 */
export const RunEventMessage = z.discriminatedUnion('type', [
  runEvent('status'),
  runEvent('epoch_metric'),
  runEvent('grad_flow'),
  runEvent('curvature'),
  runEvent('analysis_part'),
]);
export type RunEventMessage = z.infer<typeof RunEventMessage>;

/** What a writer appends to the log: a type and its payload, checked against each other by the compiler. */
export type RunEventBody = {
  [T in RunEventType]: { type: T; payload: z.infer<(typeof RUN_EVENT_PAYLOADS)[T]> };
}[RunEventType];

const failedAck = z.object({ ok: z.literal(false), error: z.string() });
const okAck = <S extends z.ZodType>(snapshot: S) =>
  z.object({ ok: z.literal(true), snapshot, missed: z.array(RunEventMessage), resync: z.boolean() });

/**
 * The ack of `subscribe`: the room's snapshot (RoomSnapshot: run RunSnapshot, sweep SweepSnapshot, workers
 * WorkerList), always sent, and the events after `afterEventId`. `resync: true` says the replay could not be
 * complete (more than MAX_REPLAY_EVENTS events, or some of them deleted by the retention policy): `missed` is
 * then empty, and the client rebuilds its view from the snapshot and continues from the snapshot's
 * `lastEventId`. The workers room replays nothing: each `workers` message is the whole list.
 */
export const SubscribeAck = z.discriminatedUnion('ok', [
  okAck(z.union([RunSnapshot, SweepSnapshot, WorkerList, AnalysisSnapshot, ExternalRunSnapshot])),
  failedAck,
]);
export type SubscribeAck = z.infer<typeof SubscribeAck>;

const ROOM_ACKS = {
  run: z.discriminatedUnion('ok', [okAck(RunSnapshot), failedAck]),
  sweep: z.discriminatedUnion('ok', [okAck(SweepSnapshot), failedAck]),
  workers: z.discriminatedUnion('ok', [okAck(WorkerList), failedAck]),
  analysis: z.discriminatedUnion('ok', [okAck(AnalysisSnapshot), failedAck]),
  externalRun: z.discriminatedUnion('ok', [okAck(ExternalRunSnapshot), failedAck]),
} as const;
export type SubscribeAckOf<K extends RoomKind> = z.infer<(typeof ROOM_ACKS)[K]>;

/**
 * A subscribe ack read as the room it answers: the one parse every client uses. A safe parse, so a client can
 * say what it could not read (fieldIssues) and retry, as it would a refusal.
 */
export function parseSubscribeAck<K extends RoomKind>(kind: K, raw: unknown): z.ZodSafeParseResult<SubscribeAckOf<K>> {
  return ROOM_ACKS[kind].safeParse(raw) as z.ZodSafeParseResult<SubscribeAckOf<K>>;
}
