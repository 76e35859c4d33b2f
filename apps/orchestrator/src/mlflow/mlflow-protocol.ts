import { LoggedKey, MetricValue, PARAM_VALUE_MAX, TAG_VALUE_MAX } from '@reslab/contracts';
import { z } from 'zod';

/**
 * The requests of MLflow's REST tracking API, as MLflow 3.17's own protos declare them
 * (mlflow/protos/service.proto: CreateExperiment, CreateRun, LogBatch, ...). These are MLflow's shapes, not
 * ResLab's: ResLab's own are in libs/contracts (external-runs.ts), which the routes translate into.
 *
 * Protobuf's JSON mapping lets an int64 travel as a number or a decimal string and an enum as its name or its
 * number; MLflow's client sends numbers and names, and other clients (curl scripts, the Java client) the other
 * forms, so both are read. Unknown fields are ignored, as protobuf's parser does with ignore_unknown_fields.
 */

const Int64 = z.union([
  z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^-?\d+$/, 'an integer')
    .transform(Number)
    .pipe(z.number().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER)),
]);

/** A double: a JSON number, or one of the strings protobuf's JSON uses for what JSON cannot say (and for numbers). */
const Double = z.union([
  MetricValue,
  z
    .string()
    .regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'a number')
    .transform(Number),
]);

/** MLflow's RunStatus enum (service.proto), by name or number. */
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type MlflowRunStatus = (typeof RUN_STATUSES)[number];
const RunStatus = z.union([
  z.enum(RUN_STATUSES),
  z
    .number()
    .int()
    .min(1)
    .max(5)
    .transform((n) => RUN_STATUSES[n - 1] as MlflowRunStatus),
]);

/** MLflow's ViewType enum: which lifecycle stages a search returns. */
const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
const ViewType = z
  .union([
    z.enum(VIEW_TYPES),
    z
      .number()
      .int()
      .min(1)
      .max(3)
      .transform((n) => VIEW_TYPES[n - 1] as (typeof VIEW_TYPES)[number]),
  ])
  .default('ACTIVE_ONLY');

/**
 * A param's or tag's value, cut to its first `max` characters (code points, as Python counts them) as MLflow's
 * server cuts it (mlflow/utils/validation.py _validate_length_limit; MLFLOW_TRUNCATE_LONG_VALUES is on by
 * default): a script that logs a long text as a param goes on training on both servers.
 */
const Truncated = (max: number) =>
  z.string().transform((value) => (value.length <= max ? value : Array.from(value).slice(0, max).join('')));
const KeyValue = (max: number) => z.object({ key: LoggedKey, value: Truncated(max) });
const Tag = KeyValue(TAG_VALUE_MAX);
const Param = KeyValue(PARAM_VALUE_MAX);

/** ResLab's limit on a run's name (Run.name, CreateExternalRunRequest.name); MLflow's own is 250. */
export const RUN_NAME_MAX = 200;
const RunName = z.string().max(RUN_NAME_MAX);

/** Run ids: MLflow names a run by run_id, or by the deprecated run_uuid; either is accepted, as the server does. */
const RunRef = { run_id: z.string().min(1).optional(), run_uuid: z.string().min(1).optional() };

export const CreateExperiment = z.object({
  name: z.string().min(1).max(200),
  artifact_location: z.string().optional(),
  tags: z.array(Tag).default([]),
});
export const GetExperiment = z.object({ experiment_id: z.string().min(1) });
export const GetExperimentByName = z.object({ experiment_name: z.string().min(1) });
export const SearchExperiments = z.object({
  max_results: Int64.pipe(z.number().int().min(1).max(50_000)).default(1000),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: z.array(z.string()).default([]),
  view_type: ViewType,
});

export const CreateRun = z.object({
  experiment_id: z.string().min(1).default('0'),
  user_id: z.string().optional(),
  run_name: RunName.optional(),
  start_time: Int64.pipe(z.number().nonnegative()).optional(),
  tags: z.array(Tag).default([]),
});
export const GetRun = z.object(RunRef);
export const UpdateRun = z.object({
  ...RunRef,
  status: RunStatus.optional(),
  end_time: Int64.pipe(z.number().nonnegative()).optional(),
  run_name: RunName.optional(),
});
export const DeleteRun = z.object({ run_id: z.string().min(1) });
export const SearchRuns = z.object({
  experiment_ids: z.array(z.string().min(1)).default([]),
  filter: z.string().optional(),
  run_view_type: ViewType,
  // MLflow's SEARCH_MAX_RESULTS_THRESHOLD; its default is SEARCH_MAX_RESULTS_DEFAULT.
  max_results: Int64.pipe(z.number().int().min(1).max(50_000)).default(1000),
  order_by: z.array(z.string()).default([]),
  page_token: z.string().optional(),
});

const MetricFields = {
  key: LoggedKey,
  value: Double,
  timestamp: Int64.pipe(z.number().nonnegative()),
  step: Int64.default(0),
};
export const LogMetric = z.object({ ...RunRef, ...MetricFields });
export const LogBatch = z.object({
  run_id: z.string().min(1),
  // MLflow's MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH (mlflow/utils/validation.py).
  metrics: z.array(z.object(MetricFields)).max(1000).default([]),
  params: z.array(Param).max(100).default([]),
  tags: z.array(Tag).max(100).default([]),
});
export const LogParam = z.object({ ...RunRef, key: LoggedKey, value: Truncated(PARAM_VALUE_MAX) });
export const SetTag = z.object({ ...RunRef, key: LoggedKey, value: Truncated(TAG_VALUE_MAX) });
export const GetMetricHistory = z.object({
  ...RunRef,
  metric_key: LoggedKey,
  page_token: z.string().optional(),
  max_results: Int64.pipe(z.number().int().min(1)).optional(),
});

/** The run a request names: run_id, or the deprecated run_uuid. */
export function runIdOf(request: { run_id?: string; run_uuid?: string }): string | undefined {
  return request.run_id ?? request.run_uuid;
}

/** MLflow's page token: base64 of `{"offset": n}`, as its SQL store makes it (mlflow/utils/search_utils.py). */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined): number | null {
  if (!token) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    return Number.isSafeInteger(offset) && (offset as number) >= 0 ? (offset as number) : null;
  } catch {
    return null;
  }
}

/** What MLflow answers for an experiment (service.proto Experiment). */
export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  last_update_time: number;
  creation_time: number;
  tags: { key: string; value: string }[];
}

export interface MlflowMetric {
  key: string;
  value: MetricValue;
  timestamp: number;
  step: number;
}

export interface MlflowRunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: MlflowRunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MlflowMetric[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
  inputs: Record<string, never>;
  outputs: Record<string, never>;
}
