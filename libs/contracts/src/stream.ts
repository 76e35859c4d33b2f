import { z } from 'zod';
import { EpochMetricDto, GradFlowDto, RunDto, RunStatus } from './api.js';

/**
 * The live stream (socket.io). A client emits `subscribe` with a room and the
 * id of the last event it saw; the server answers with a snapshot of the room
 * and replays every later event, then pushes `run_event`s as they happen.
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

/** The ack of `subscribe`: the room's snapshot (run: RunSnapshot, sweep: SweepDetailDto, workers: WorkerDto[]). */
export const SubscribeAck = z.union([
  z.object({ ok: z.literal(true), snapshot: z.unknown(), missed: z.array(RunEventMessage) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type SubscribeAck = z.infer<typeof SubscribeAck>;

/** Payload of a `status` run event. */
export const StatusEventPayload = z.object({
  status: RunStatus,
  attempt: z.int(),
  workerId: z.uuid().nullable().optional(),
  failureReason: z.string().nullable().optional(),
});
export type StatusEventPayload = z.infer<typeof StatusEventPayload>;
