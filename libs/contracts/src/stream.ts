import { z } from 'zod';
import { EpochMetricDto, GradFlowDto, RunDto, RunStatus } from './api.js';
import { EpochMetricEvent } from './engine-events.js';

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
    ]),
    /** Replay events after this id; omit for snapshot only. Decimal string: ids are 64-bit. */
    afterEventId: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional(),
  })
  .strict();
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;

export const RUN_EVENT_TYPES = ['status', 'epoch_metric', 'grad_flow'] as const;

export const RunEventMessage = z.object({
  id: z.string(),
  runId: z.uuid(),
  sweepId: z.uuid().nullable(),
  type: z.enum(RUN_EVENT_TYPES),
  payload: z.record(z.string(), z.unknown()),
  time: z.iso.datetime({ offset: true }),
});
export type RunEventMessage = z.infer<typeof RunEventMessage>;

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

/**
 * The ack of `subscribe`: the room's snapshot (run: RunSnapshot, sweep: SweepDetailDto, workers: WorkerDto[]),
 * always sent, and the events after `afterEventId`. `resync: true` says the replay could not be complete (more
 * than MAX_REPLAY_EVENTS events, or some of them deleted by the retention policy): `missed` is then empty, and
 * the client rebuilds its view from the snapshot and continues from the snapshot's `lastEventId`.
 */
export const SubscribeAck = z.union([
  z.object({ ok: z.literal(true), snapshot: z.unknown(), missed: z.array(RunEventMessage), resync: z.boolean() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type SubscribeAck = z.infer<typeof SubscribeAck>;

/** Payload of a `status` run event. */
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
 * `hasConfusion` says whether the stored row has one.
 */
export const EpochMetricEventPayload = EpochMetricEvent.omit({
  v: true,
  time: true,
  type: true,
  confusion: true,
}).extend({ hasConfusion: z.boolean() });
export type EpochMetricEventPayload = z.infer<typeof EpochMetricEventPayload>;
