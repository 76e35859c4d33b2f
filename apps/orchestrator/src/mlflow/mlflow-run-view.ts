import type { ExternalRunDto } from '@reslab/contracts';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, MLFLOW_PROJECT } from './mlflow-experiments.service.js';
import type { MlflowRun, MlflowRunInfo, MlflowRunStatus } from './mlflow-protocol.js';
import type { SearchableRun } from './search-filter.js';

/** MLflow's tag for a run's name, which its server keeps equal to run_name (mlflow/utils/mlflow_tags.py). */
export const RUN_NAME_TAG = 'mlflow.runName';
/** The user the client names when it creates a run (getpass.getuser()); MLflow keeps it as user_id and as this tag. */
export const USER_TAG = 'mlflow.user';

const TO_MLFLOW: Record<ExternalRunDto['status'], MlflowRunStatus> = {
  running: 'RUNNING',
  succeeded: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
};

/** MLflow's end states as ResLab's; RUNNING and SCHEDULED are a running run (ResLab queues no external run). */
export const FROM_MLFLOW: Record<MlflowRunStatus, ExternalRunDto['status']> = {
  RUNNING: 'running',
  SCHEDULED: 'running',
  FINISHED: 'succeeded',
  FAILED: 'failed',
  KILLED: 'cancelled',
};

function experimentIdOf(run: ExternalRunDto): string {
  const inMlflowProject = run.project.endsWith(`/${MLFLOW_PROJECT}`);
  return inMlflowProject && run.experiment === DEFAULT_EXPERIMENT_NAME ? DEFAULT_EXPERIMENT_ID : run.experimentId;
}

export function toRunInfo(run: ExternalRunDto): MlflowRunInfo {
  const experimentId = experimentIdOf(run);
  return {
    run_id: run.id,
    run_uuid: run.id,
    run_name: run.name ?? '',
    experiment_id: experimentId,
    user_id: run.tags[USER_TAG] ?? '',
    status: TO_MLFLOW[run.status],
    start_time: Date.parse(run.startedAt),
    // Omitted while running, as protobuf's JSON omits an unset int64.
    ...(run.finishedAt && { end_time: Date.parse(run.finishedAt) }),
    artifact_uri: `mlflow-artifacts:/${experimentId}/${run.id}/artifacts`,
    lifecycle_stage: 'active',
  };
}

/** MLflow's Run: its latest value of each metric (by step, then time), its params and tags. */
export function toMlflowRun(run: ExternalRunDto): MlflowRun {
  return {
    info: toRunInfo(run),
    data: {
      metrics: run.metrics.map((m) => ({ key: m.key, ...m.last })),
      params: Object.entries(run.params).map(([key, value]) => ({ key, value })),
      tags: Object.entries(run.tags).map(([key, value]) => ({ key, value })),
    },
    inputs: {},
    outputs: {},
  };
}

/** What runs/search filters and orders by. */
export function toSearchable(run: ExternalRunDto): SearchableRun {
  return {
    runId: run.id,
    runName: run.name ?? '',
    status: TO_MLFLOW[run.status],
    startTime: Date.parse(run.startedAt),
    endTime: run.finishedAt ? Date.parse(run.finishedAt) : null,
    metrics: new Map(
      run.metrics.map((m) => [m.key, typeof m.last.value === 'number' ? m.last.value : Number(m.last.value)]),
    ),
    params: new Map(Object.entries(run.params)),
    tags: new Map(Object.entries(run.tags)),
  };
}
