import { z } from 'zod';
import { EpochMetricEvent } from './engine-events.js';
import { Page, PageQuery } from './page.js';
import { ProjectRef } from './project-ref.js';

/**
 * External runs (issue 12): runs trained by someone else's script and logged into ResLab through the Python SDK
 * (`reslab.init`), MLflow's REST tracking API, or a TensorBoard import. They are Runs of kind `external`: no
 * RunConfig, no queue, no worker, no lease. What they log is a generic metric history, (key, step, timestamp,
 * value), beside the structured per-epoch rows that the SDK's `log_epoch` stores as an engine run would.
 *
 * Limits follow MLflow's own (mlflow/utils/validation.py), so whatever MLflow accepts ResLab accepts too.
 */

/** Where an external run came from. */
export const EXTERNAL_SOURCES = ['sdk', 'mlflow', 'tensorboard'] as const;
export const ExternalSource = z.enum(EXTERNAL_SOURCES);
export type ExternalSource = z.infer<typeof ExternalSource>;

/** A metric, param or tag name: MLflow's rule (alphanumerics, `_ - . / :` and spaces; at most 250 characters). */
export const LoggedKey = z
  .string()
  .min(1)
  .max(250)
  .regex(/^[\w\-./ :]+$/, "letters, digits, spaces and '_ - . / :' only (MLflow's rule for names)");

/** MLflow's MAX_PARAM_VAL_LENGTH and MAX_TAG_VAL_LENGTH, characters. */
export const PARAM_VALUE_MAX = 6000;
export const TAG_VALUE_MAX = 8000;

/**
 * A metric value. JSON has no NaN or infinities, and a diverging loss is exactly when a user wants to see one, so
 * they travel as the strings MLflow's own JSON uses ("NaN", "Infinity", "-Infinity") and are stored as float8's.
 */
// z.literal, not z.enum: zod's enum type drops '-Infinity' (it reads as a numeric key, `${number}`).
export const MetricValue = z.union([z.number(), z.literal(['NaN', 'Infinity', '-Infinity'])]);
export type MetricValue = z.infer<typeof MetricValue>;

export const MetricPoint = z
  .object({
    key: LoggedKey,
    value: MetricValue,
    /** MLflow's step: any int64 that fits a JS number; 0 when the script gives none. */
    step: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Milliseconds since the Unix epoch, as MLflow's timestamp. */
    timestamp: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  })
  .strict();
export type MetricPoint = z.infer<typeof MetricPoint>;

/**
 * One epoch of one split, measured by the SDK's `log_epoch` with the engine's own metrics code
 * (reslab_engine.metrics): the same fields an engine's epoch_metric event carries, stored in the same EpochMetric
 * rows and streamed to the dashboard the same way. A script has no learning rate or timer to report unless it
 * says so: both default to 0.
 */
export const ExternalEpoch = EpochMetricEvent.omit({ v: true, time: true, type: true }).extend({
  lr: EpochMetricEvent.shape.lr.default(0),
  seconds: EpochMetricEvent.shape.seconds.default(0),
});
export type ExternalEpoch = z.infer<typeof ExternalEpoch>;

/**
 * Milliseconds since the Unix epoch, up to the end of year 9999: a later Date is stored by Postgres but read
 * back by Prisma as an invalid one (a five-digit year has no ISO 8601 basic form).
 */
const EpochMillis = z.number().int().nonnegative().max(253_402_300_799_999);

const Params = z.record(LoggedKey, z.string().max(PARAM_VALUE_MAX));
const Tags = z.record(LoggedKey, z.string().max(TAG_VALUE_MAX));

/** `POST /external-runs`: starts an external run (status `running`). */
export const CreateExternalRunRequest = z
  .object({
    /**
     * Chosen by the client (the SDK makes a uuid4; an import derives one from the folder), so creating is idempotent:
     * the same request sent again after a lost answer returns the run it made (200), never a second run, and a
     * script that starts while the orchestrator is down can log under its id and sync later.
     */
    id: z.uuid().optional(),
    /** As CreateRunRequest.project: `team/project`, or a slug only one of the caller's teams has. */
    project: ProjectRef.default('default'),
    experiment: z.string().min(1).max(200).default('default'),
    name: z.string().min(1).max(200).optional(),
    source: ExternalSource.default('sdk'),
    /** The script's own configuration, kept as given; its leaves are also stored as params (dotted keys). */
    config: z.record(z.string(), z.json()).default({}),
    /** `classNames[i]` names class i of log_epoch's labels; shown instead of indices. */
    classNames: z.array(z.string().min(1).max(200)).max(100_000).optional(),
    tags: Tags.default({}),
    /** Milliseconds since the Unix epoch; now when absent (an import gives the first event's time). */
    startTime: EpochMillis.optional(),
  })
  .strict();
export type CreateExternalRunRequest = z.input<typeof CreateExternalRunRequest>;

/** At most this many metric points per log request (MLflow's log-batch allows 1000). */
export const LOG_BATCH_MAX_METRICS = 1000;

/**
 * `POST /external-runs/:id/log`: one batch. Metric points are kept as MLflow keeps them: a point repeated with the
 * same (key, step, timestamp, value) is stored once, so a batch sent again after a lost answer adds nothing.
 * Params are write-once: the same value again is accepted, a different one is a 400 naming the key.
 */
export const LogExternalRequest = z
  .object({
    metrics: z.array(MetricPoint).max(LOG_BATCH_MAX_METRICS).default([]),
    params: Params.default({}),
    tags: Tags.default({}),
    epochs: z.array(ExternalEpoch).max(100).default([]),
  })
  .strict();
export type LogExternalRequest = z.input<typeof LogExternalRequest>;

/** `POST /external-runs/:id/end`: the script finished, failed or was stopped. */
export const EndExternalRunRequest = z
  .object({
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    /** Milliseconds since the Unix epoch; now when absent. */
    endTime: EpochMillis.optional(),
  })
  .strict();
export type EndExternalRunRequest = z.infer<typeof EndExternalRunRequest>;

const isoTime = z.iso.datetime({ offset: true });

/** The newest point of one metric key (by step, then timestamp). */
export const MetricSummary = z.object({
  key: z.string(),
  last: z.object({ step: z.number(), timestamp: z.number(), value: MetricValue }),
  count: z.int32().nonnegative(),
});
export type MetricSummary = z.infer<typeof MetricSummary>;

export const ExternalRunDto = z.object({
  id: z.uuid(),
  experimentId: z.uuid(),
  /** `team/project`, and the experiment's name. */
  project: z.string(),
  experiment: z.string(),
  name: z.string().nullable(),
  source: ExternalSource,
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  config: z.record(z.string(), z.json()),
  classNames: z.array(z.string()).nullable(),
  params: z.record(z.string(), z.string()),
  tags: z.record(z.string(), z.string()),
  metrics: z.array(MetricSummary),
});
export type ExternalRunDto = z.infer<typeof ExternalRunDto>;

/** `GET /external-runs`: newest first, keyset-paged as `GET /runs`. */
export const ExternalRunsQuery = PageQuery.extend({
  project: ProjectRef.optional(),
  experiment: z.string().min(1).max(200).optional(),
  source: ExternalSource.optional(),
});
export type ExternalRunsQuery = z.infer<typeof ExternalRunsQuery>;
export const ExternalRunPage = Page(ExternalRunDto);
export type ExternalRunPage = z.infer<typeof ExternalRunPage>;

/** `GET /external-runs/:id/metric-history?key=`: every point of one key, in (step, timestamp) order. */
export const MetricHistoryQuery = z.object({ key: LoggedKey });
export const MetricHistoryDto = z.object({
  runId: z.uuid(),
  key: z.string(),
  points: z.array(z.object({ step: z.number(), timestamp: z.number(), value: MetricValue })),
});
export type MetricHistoryDto = z.infer<typeof MetricHistoryDto>;

export const LogExternalResponse = z.object({ metrics: z.int32(), epochs: z.int32() });
export type LogExternalResponse = z.infer<typeof LogExternalResponse>;
