import { z } from 'zod';

/**
 * The live stream (socket.io). A client emits `subscribe` with a room and the
 * id of the last event it saw; the server answers with a snapshot of the room
 * and replays every later event, then pushes `run_event`s as they happen.
 * Event ids grow monotonically across the whole platform.
 */
export const ROOM_KINDS = ['run', 'sweep', 'workers'] as const;

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
