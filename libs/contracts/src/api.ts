import { z } from 'zod';
import { EngineEvent, SPLITS } from './engine-events.js';
import { RunConfig } from './run-config.js';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63 characters');

export const CreateRunRequest = z
  .object({
    /** Team and project slugs; both default to `default`. */
    team: slug.default('default'),
    project: slug.default('default'),
    /** Experiment name inside the project; created on first use. */
    experiment: z.string().min(1).max(200).default('default'),
    name: z.string().min(1).max(200).optional(),
    config: RunConfig,
  })
  .strict();
export type CreateRunRequest = z.infer<typeof CreateRunRequest>;

const isoTime = z.iso.datetime({ offset: true });

export const RunDto = z.object({
  id: z.uuid(),
  experimentId: z.uuid(),
  name: z.string().nullable(),
  status: RunStatus,
  config: RunConfig,
  attempt: z.int().nonnegative(),
  workerId: z.uuid().nullable(),
  queuedAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  failureReason: z.string().nullable(),
  exitCode: z.int().nullable(),
  stderrTail: z.string().nullable(),
});
export type RunDto = z.infer<typeof RunDto>;

export const EpochMetricDto = z.object({
  runId: z.uuid(),
  epoch: z.int().positive(),
  split: z.enum(SPLITS),
  loss: z.number(),
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  perClass: z.array(z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.int() })),
  lr: z.number(),
  seconds: z.number(),
});
export type EpochMetricDto = z.infer<typeof EpochMetricDto>;

export const GpuInfo = z
  .object({ index: z.int().nonnegative(), name: z.string(), memoryMiB: z.int().nonnegative() })
  .strict();

export const RegisterWorkerRequest = z
  .object({
    name: z.string().min(1).max(200),
    host: z.string().min(1).max(255),
    slots: z.int().min(1).max(1024),
    gpus: z.array(GpuInfo).default([]),
  })
  .strict();
export type RegisterWorkerRequest = z.infer<typeof RegisterWorkerRequest>;

export const WorkerDto = z.object({
  id: z.uuid(),
  name: z.string(),
  host: z.string(),
  slots: z.int(),
  gpus: z.array(GpuInfo),
  lastHeartbeatAt: isoTime,
});
export type WorkerDto = z.infer<typeof WorkerDto>;

/** What a worker receives when it claims a queued run. */
export const RunAssignment = z.object({
  runId: z.uuid(),
  attempt: z.int().positive(),
  config: RunConfig,
});
export type RunAssignment = z.infer<typeof RunAssignment>;

export const ClaimResponse = z.object({ assignment: RunAssignment.nullable() });
export type ClaimResponse = z.infer<typeof ClaimResponse>;

/** A batch of engine events for one run, posted by the worker that holds it. */
export const IngestEventsRequest = z
  .object({ workerId: z.uuid(), events: z.array(EngineEvent).min(1).max(10000) })
  .strict();
export type IngestEventsRequest = z.infer<typeof IngestEventsRequest>;

export const FinishRunRequest = z
  .object({
    workerId: z.uuid(),
    status: z.enum(['succeeded', 'failed']),
    exitCode: z.int().nullable(),
    signal: z.string().nullable(),
    failureReason: z.string().max(10000).nullable(),
    /** Last lines of the engine's stderr, for a post-mortem without the worker's disk. */
    stderrTail: z.string().max(20000).nullable(),
  })
  .strict();
export type FinishRunRequest = z.infer<typeof FinishRunRequest>;

/** Body of every 4xx answer; `issues` names each bad field by its dotted path. */
export const ApiError = z.object({
  statusCode: z.int(),
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ApiError = z.infer<typeof ApiError>;
