import { z } from 'zod';
import { AnalysisJobConfig } from './analysis.js';
import { EngineEvent, SPLITS } from './engine-events.js';
import { ProjectRef } from './project-ref.js';
import { DataConfig, ModelConfig, RunConfig } from './run-config.js';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

export const CreateRunRequest = z
  .object({
    /** The project, as `team/project` or a slug that only one of the caller's teams has. The team comes from the credential. */
    project: ProjectRef.default('default'),
    /** Experiment name inside the project; created on first use. */
    experiment: z.string().min(1).max(200).default('default'),
    name: z.string().min(1).max(200).optional(),
    config: RunConfig,
    /** Higher runs first; runs of equal priority in the order they were queued. */
    priority: z.int32().min(-100).max(100).default(0),
    /** Attempts before the run is failed for good (lease expiries count). */
    maxAttempts: z.int32().min(1).max(20).default(3),
  })
  .strict();
export type CreateRunRequest = z.infer<typeof CreateRunRequest>;

const isoTime = z.iso.datetime({ offset: true });

/** Longest failure reason a finish report may carry, characters; the worker truncates to it. */
export const FAILURE_REASON_MAX = 10_000;

export const RunDto = z.object({
  id: z.uuid(),
  experimentId: z.uuid(),
  name: z.string().nullable(),
  status: RunStatus,
  config: RunConfig,
  attempt: z.int32().nonnegative(),
  workerId: z.uuid().nullable(),
  queuedAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  failureReason: z.string().nullable(),
  exitCode: z.int32().nullable(),
  stderrTail: z.string().nullable(),
  sweepId: z.uuid().nullable(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).nullable(),
  priority: z.int32(),
  maxAttempts: z.int32(),
  leaseExpiresAt: isoTime.nullable(),
  cancelRequestedAt: isoTime.nullable(),
  /** The val split of the highest epoch stored so far (what `GET /runs?sort=valAccuracy` orders by); null before one. */
  finalVal: z.object({ epoch: z.int32(), loss: z.number(), accuracy: z.number(), f1: z.number() }).nullable(),
  /** `classNames[i]` names class i (the engine's run_started); null before it started or where the data has none. */
  classNames: z.array(z.string()).nullable(),
});
export type RunDto = z.infer<typeof RunDto>;

/**
 * A run as the runs list shows it (`GET /runs/rows`): its net, data set, epochs, status and final val split, without
 * the whole config, params and stderr tail of a RunDto: a third of its bytes, for lists of thousands (issue 13).
 */
export const RunRowDto = RunDto.pick({
  id: true,
  name: true,
  status: true,
  attempt: true,
  queuedAt: true,
  finishedAt: true,
  failureReason: true,
  sweepId: true,
  finalVal: true,
}).extend({
  model: z.object({ arch: ModelConfig.shape.arch, depth: ModelConfig.shape.depth }),
  dataset: DataConfig.shape.dataset,
  epochs: RunConfig.shape.epochs,
});
export type RunRowDto = z.infer<typeof RunRowDto>;

export const EpochMetricDto = z.object({
  runId: z.uuid(),
  epoch: z.int32().positive(),
  split: z.enum(SPLITS),
  loss: z.number(),
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  perClass: z.array(z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.int32() })),
  lr: z.number(),
  seconds: z.number(),
  top5: z.number().nullable(),
  weighted: z.object({ precision: z.number(), recall: z.number(), f1: z.number() }).nullable(),
  confusion: z.array(z.array(z.int32())).nullable(),
});
export type EpochMetricDto = z.infer<typeof EpochMetricDto>;

export const GpuInfo = z
  .object({ index: z.int32().nonnegative(), name: z.string(), memoryMiB: z.int32().nonnegative() })
  .strict();

export const RegisterWorkerRequest = z
  .object({
    name: z.string().min(1).max(200),
    host: z.string().min(1).max(255),
    slots: z.int32().min(1).max(1024),
    gpus: z.array(GpuInfo).default([]),
  })
  .strict();
export type RegisterWorkerRequest = z.infer<typeof RegisterWorkerRequest>;

/** An outbox item the orchestrator refused with a 4xx other than a fence: kept by the worker for a person to read. */
export const DeadLetter = z.object({
  runId: z.uuid(),
  attempt: z.int32(),
  kind: z.enum(['events', 'artifact', 'finish']),
  status: z.int32(),
  message: z.string().max(2000),
  at: isoTime,
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export const WorkerDto = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The team it serves; null for a worker shared by every team. */
  teamId: z.uuid().nullable(),
  host: z.string(),
  slots: z.int32(),
  gpus: z.array(GpuInfo),
  lastHeartbeatAt: isoTime,
  /** Set when an admin revoked its credential: it gets no more work. */
  revokedAt: isoTime.nullable(),
  draining: z.boolean(),
  /** Runs the worker holds now. */
  runningRunIds: z.array(z.uuid()),
  /** Outbox items the orchestrator refused (4xx, not a fence) since the worker's work dir was made. */
  deadLetters: z.object({ count: z.int32().nonnegative(), recent: z.array(DeadLetter) }),
});
export type WorkerDto = z.infer<typeof WorkerDto>;

/**
 * A multi-node run's gang (resources.nodes > 1), as the orchestrator records it when node 0's worker claims the run:
 * which worker is which node rank, and where torchrun's rendezvous listens (node 0's host). Determined's shape: the
 * master assigns the node ranks, the agents run the launcher. Stored on the run for its current attempt.
 */
export const RunGang = z.object({
  attempt: z.int32().positive(),
  masterAddr: z.string().min(1).max(255),
  masterPort: z.int32().min(1).max(65535),
  /** Index = node rank; node 0 owns the run's status, lease and events. */
  workerIds: z.array(z.uuid()).min(2).max(64),
  /** Worker ids of the nodes (rank > 0) that have received their assignment. */
  delivered: z.array(z.uuid()).default([]),
});
export type RunGang = z.infer<typeof RunGang>;

/** One node's share of a multi-node run: what its worker passes to `reslab_engine launch`. */
export const NodeAssignment = z.object({
  nodeRank: z.int32().nonnegative(),
  nodes: z.int32().min(2).max(64),
  masterAddr: z.string().min(1).max(255),
  masterPort: z.int32().min(1).max(65535),
});
export type NodeAssignment = z.infer<typeof NodeAssignment>;

/** What a worker receives when it claims a queued run. */
export const RunAssignment = z.object({
  runId: z.uuid(),
  attempt: z.int32().positive(),
  config: RunConfig,
  /** Seconds within which the worker must heartbeat, or the run goes back to the queue. */
  leaseSeconds: z.int32().positive(),
  /**
   * Set for a run of kind `analysis`: the engine runs `analyze` on this job instead of `train` on `config` (which
   * is then the analysed run's config). `checkpoint` is the analysed run's final checkpoint folder, relative to
   * the artifact store's root; null for kinds that need no weights (cost).
   */
  analysis: z
    .object({
      analysisId: z.uuid(),
      job: z.lazy(() => AnalysisJobConfig),
      checkpoint: z.string().nullable(),
    })
    .nullable()
    .default(null),
  /**
   * Set for a multi-node run: this worker's node. Node 0 (the claiming worker) holds the run; a node of rank > 0
   * runs its share of the processes under the same attempt and reports nothing but its heartbeat.
   */
  node: NodeAssignment.nullable().default(null),
});
export type RunAssignment = z.infer<typeof RunAssignment>;

/**
 * A claim's body. `runId`: only this run, and only while it is queued and the worker may take it; the one-run mode of
 * a worker in a Kubernetes Job (docs/kubernetes.md) names the run its Job was made for. Without it, the queue's next.
 */
export const ClaimRequest = z
  .object({
    runId: z.uuid().optional(),
    /**
     * How many of the worker's slots are free: it is given only a run whose slots (resources.gpus; 1 for an analysis
     * job) fit. No body counts as one, as workers claimed before multi-GPU runs.
     */
    freeSlots: z.int32().min(1).max(1024).default(1),
  })
  .strict();
export type ClaimRequest = z.infer<typeof ClaimRequest>;

export const ClaimResponse = z.object({ assignment: RunAssignment.nullable() });
export type ClaimResponse = z.infer<typeof ClaimResponse>;

/**
 * The attempt a worker write belongs to. The orchestrator takes a write only from the holder of the
 * run's current attempt; any other gets 409, so a worker cut off past its lease can change nothing.
 */
// int32 (z.int32), as every integer the orchestrator stores in an `integer` column: a larger one is a 400
// naming the field, not a Postgres overflow (22003) answered as a 500.
const Attempt = z.int32().positive();

/** A batch of engine events for one run, posted by the worker that holds it. */
export const IngestEventsRequest = z
  .object({
    workerId: z.uuid(),
    attempt: Attempt,
    /**
     * The batch's place in its attempt's outbox, from 1. A batch at or below the last one stored is a
     * resend (its answer was lost) and is acknowledged without being stored twice.
     */
    seq: z.int32().positive(),
    events: z.array(EngineEvent).min(1).max(10000),
  })
  .strict();
export type IngestEventsRequest = z.infer<typeof IngestEventsRequest>;

export const FinishRunRequest = z
  .object({
    workerId: z.uuid(),
    attempt: Attempt,
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    exitCode: z.int32().nullable(),
    signal: z.string().nullable(),
    failureReason: z.string().max(FAILURE_REASON_MAX).nullable(),
    /** Last lines of the engine's stderr, for a post-mortem without the worker's disk. */
    stderrTail: z.string().max(20000).nullable(),
  })
  .strict();
export type FinishRunRequest = z.infer<typeof FinishRunRequest>;

export const HeldAttempt = z.object({ runId: z.uuid(), attempt: Attempt }).strict();
export type HeldAttempt = z.infer<typeof HeldAttempt>;

export const HeartbeatRequest = z
  .object({
    /** Attempts whose engine runs or whose report is not yet delivered: their leases move. */
    runs: z.array(HeldAttempt).max(1024).default([]),
    draining: z.boolean().default(false),
    deadLetters: z.object({ count: z.int32().nonnegative(), recent: z.array(DeadLetter).max(20) }).optional(),
  })
  .strict();
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatResponse = z.object({
  worker: WorkerDto,
  /** Attempts the worker should stop (SIGTERM the engine): cancelled, or no longer its own. */
  stop: z.array(HeldAttempt),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

export const GradFlowDto = z.object({
  runId: z.uuid(),
  epoch: z.int32().nonnegative(),
  blocks: z.array(
    z.object({
      name: z.string(),
      index: z.int32().nonnegative(),
      paramGradNorm: z.number(),
      inputGradNorm: z.number(),
      activationNorm: z.number(),
    }),
  ),
});
export type GradFlowDto = z.infer<typeof GradFlowDto>;

export const ARTIFACT_KINDS = ['checkpoint', 'weights', 'log'] as const;

export const RegisterArtifactRequest = z
  .object({
    workerId: z.uuid(),
    attempt: Attempt,
    kind: z.enum(ARTIFACT_KINDS),
    /** Relative to the shared artifact store's root, e.g. `runs/<runId>/attempt-1/model.safetensors`. */
    path: z
      .string()
      .min(1)
      .max(1000)
      .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must stay inside the store'),
    sizeBytes: z.int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type RegisterArtifactRequest = z.infer<typeof RegisterArtifactRequest>;

export const ArtifactDto = z.object({
  id: z.uuid(),
  runId: z.uuid(),
  kind: z.enum(ARTIFACT_KINDS),
  path: z.string(),
  sizeBytes: z.int(),
  sha256: z.string(),
  createdAt: isoTime,
});
export type ArtifactDto = z.infer<typeof ArtifactDto>;

const StatusCounts = z.record(RunStatus, z.int32());

export const ExperimentDto = z.object({
  id: z.uuid(),
  team: z.string(),
  project: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: isoTime,
  sweepIds: z.array(z.uuid()),
  counts: StatusCounts,
});
export type ExperimentDto = z.infer<typeof ExperimentDto>;

export const SweepDto = z.object({
  id: z.uuid(),
  experimentId: z.uuid(),
  name: z.string(),
  spec: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
  counts: StatusCounts,
});
export type SweepDto = z.infer<typeof SweepDto>;

const FinalSplit = z.object({ epoch: z.int32(), loss: z.number(), accuracy: z.number(), f1: z.number() });

/** A sweep with its runs and each run's last metrics per split: what the depth plot draws. */
export const SweepDetailDto = SweepDto.extend({
  runs: z.array(
    RunDto.extend({
      final: z.object({ train: FinalSplit.nullable(), val: FinalSplit.nullable(), test: FinalSplit.nullable() }),
    }),
  ),
});
export type SweepDetailDto = z.infer<typeof SweepDetailDto>;

/** The per-epoch metrics `GET /sweeps/:id/metrics` can return, each as one array per run and split. */
export const CURVE_METRICS = ['loss', 'accuracy', 'precision', 'recall', 'f1'] as const;
export const CurveMetric = z.enum(CURVE_METRICS);
export type CurveMetric = z.infer<typeof CurveMetric>;

/** A query value that takes several values, repeated (`status=queued&status=running`) or comma-separated. */
export function queryList<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess(
    (value) => (value === undefined ? undefined : [value].flat().flatMap((v) => String(v).split(','))),
    z.array(item).min(1).max(max),
  );
}

/** Which curves `GET /sweeps/:id/metrics` returns; each defaults to all. */
export const SweepMetricsQuery = z
  .object({ split: queryList(z.enum(SPLITS), 3).optional(), metric: queryList(CurveMetric, 5).optional() })
  .strict();
export type SweepMetricsQuery = z.infer<typeof SweepMetricsQuery>;

/** Most runs one `GET /runs/curves` names; compare draws at most 50. */
export const MAX_CURVE_RUNS = 100;

/** `GET /runs/curves`: the curves of the runs named in `ids`, as `GET /sweeps/:id/metrics` gives a sweep's. */
export const RunCurvesQuery = SweepMetricsQuery.extend({ ids: queryList(z.uuid(), MAX_CURVE_RUNS) }).strict();
export type RunCurvesQuery = z.infer<typeof RunCurvesQuery>;

/**
 * Every curve of a sweep in one answer, columnar: one entry per (run, split) with `epoch[i]` the epoch of
 * `loss[i]`, `accuracy[i]`, ... Only the metrics asked for are present. 1,000 runs × 100 epochs of one
 * split and metric is about 2 MB of JSON, against 1,000 requests to `GET /runs/:id/metrics`.
 */
export const Curve = z.object({
  runId: z.uuid(),
  split: z.enum(SPLITS),
  epoch: z.array(z.int32()),
  loss: z.array(z.number()).optional(),
  accuracy: z.array(z.number()).optional(),
  precision: z.array(z.number()).optional(),
  recall: z.array(z.number()).optional(),
  f1: z.array(z.number()).optional(),
});
export type Curve = z.infer<typeof Curve>;
export const SweepMetricsDto = z.object({ sweepId: z.uuid(), curves: z.array(Curve) });
export type SweepMetricsDto = z.infer<typeof SweepMetricsDto>;
/** Runs the caller may not see are left out, as if they did not exist. */
export const RunCurvesDto = z.object({ curves: z.array(Curve) });
export type RunCurvesDto = z.infer<typeof RunCurvesDto>;

export const SweepPreviewDto = z.object({
  count: z.int32(),
  runs: z.array(z.object({ name: z.string(), params: z.record(z.string(), z.unknown()) })),
});
export type SweepPreviewDto = z.infer<typeof SweepPreviewDto>;

/** Body of every 4xx answer; `issues` names each bad field by its dotted path. */
export const ApiError = z.object({
  statusCode: z.int32(),
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** On 429: seconds until another try is allowed (also the Retry-After header). */
  retryAfterSeconds: z.int32().optional(),
});
export type ApiError = z.infer<typeof ApiError>;
