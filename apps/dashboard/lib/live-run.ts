/**
 * Folding the live stream into a run's state: the snapshot first, then each
 * `run_event`. Every step is an upsert keyed like the database rows, (epoch,
 * split) for metrics and epoch for gradient flow, so a replayed event changes
 * nothing.
 */
import {
  EpochMetricDto,
  GradFlowDto,
  RUN_STATUSES,
  RunDto,
  type RunEventMessage,
  type RunStatus,
} from '@reslab/contracts';

export interface RunState {
  run: RunDto;
  metrics: EpochMetricDto[];
  gradFlow: GradFlowDto[];
  /**
   * `epoch:split` of metrics whose confusion matrix is stored but not here yet: the stream leaves matrices
   * out of `epoch_metric` events (EpochMetricEventPayload), so they come from GET /runs/:id/metrics.
   */
  confusionToFetch?: string[];
}

export const metricKey = (m: { epoch: number; split: string }) => `${m.epoch}:${m.split}`;

export const TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export function parseRunSnapshot(snapshot: unknown): RunState | null {
  if (!snapshot || typeof snapshot !== 'object') return null;
  const { run, metrics, gradFlow } = snapshot as Record<string, unknown>;
  const r = RunDto.safeParse(run);
  const m = EpochMetricDto.array().safeParse(metrics);
  const g = GradFlowDto.array().safeParse(gradFlow);
  return r.success && m.success && g.success ? { run: r.data, metrics: m.data, gradFlow: g.data } : null;
}

const SPLIT_ORDER = { train: 0, val: 1, test: 2 } as const;

/** An event carries no confusion matrix, so one already held for the same epoch and split is kept (until fetched). */
export function upsertMetric(metrics: EpochMetricDto[], metric: EpochMetricDto): EpochMetricDto[] {
  const old = metrics.find((m) => m.epoch === metric.epoch && m.split === metric.split);
  const rest = metrics.filter((m) => m !== old);
  const merged = metric.confusion === null && old?.confusion ? { ...metric, confusion: old.confusion } : metric;
  return [...rest, merged].sort((a, b) => a.epoch - b.epoch || SPLIT_ORDER[a.split] - SPLIT_ORDER[b.split]);
}

/** Matrices fetched over REST (the stored rows, so newer than any held) put into the metrics they belong to. */
export function withConfusions(state: RunState, fetched: EpochMetricDto[]): RunState {
  const byKey = new Map(fetched.map((m) => [metricKey(m), m.confusion]));
  return {
    ...state,
    metrics: state.metrics.map((m) => {
      const confusion = byKey.get(metricKey(m));
      return confusion ? { ...m, confusion } : m;
    }),
    confusionToFetch: (state.confusionToFetch ?? []).filter((key) => !byKey.has(key)),
  };
}

/** An `epoch_metric` payload (the engine event less its envelope) as the DTO the REST API serves. */
export function metricFromEvent(event: RunEventMessage): EpochMetricDto | null {
  if (event.type !== 'epoch_metric') return null;
  const p = event.payload;
  const parsed = EpochMetricDto.safeParse({
    ...p,
    runId: event.runId,
    top5: p.top5 ?? null,
    weighted: p.weighted ?? null,
    confusion: p.confusion ?? null,
  });
  return parsed.success ? parsed.data : null;
}

export function gradFlowFromEvent(event: RunEventMessage): GradFlowDto | null {
  if (event.type !== 'grad_flow') return null;
  const blocks = Array.isArray(event.payload.blocks) ? (event.payload.blocks as Record<string, unknown>[]) : [];
  const parsed = GradFlowDto.safeParse({
    runId: event.runId,
    epoch: event.payload.epoch,
    blocks: blocks.map((b, index) => ({ ...b, index })),
  });
  return parsed.success ? parsed.data : null;
}

export function upsertGradFlow(list: GradFlowDto[], flow: GradFlowDto): GradFlowDto[] {
  return [...list.filter((g) => g.epoch !== flow.epoch), flow].sort((a, b) => a.epoch - b.epoch);
}

/** A `status` event's fields folded into the run (the rest comes with the next REST read). */
export function runWithStatus(run: RunDto, event: RunEventMessage): RunDto {
  if (event.type !== 'status') return run;
  const p = event.payload;
  const status = RUN_STATUSES.find((s) => s === p.status);
  if (!status) return run;
  return {
    ...run,
    status,
    attempt: typeof p.attempt === 'number' ? p.attempt : run.attempt,
    workerId: typeof p.workerId === 'string' || p.workerId === null ? (p.workerId as string | null) : run.workerId,
    failureReason:
      typeof p.failureReason === 'string' || p.failureReason === null
        ? (p.failureReason as string | null)
        : run.failureReason,
  };
}

export function applyRunEvent(state: RunState, event: RunEventMessage): RunState {
  if (event.runId !== state.run.id) return state;
  const metric = metricFromEvent(event);
  if (metric) {
    const metrics = upsertMetric(state.metrics, metric);
    const key = metricKey(metric);
    const pending = (state.confusionToFetch ?? []).filter((k) => k !== key);
    return { ...state, metrics, confusionToFetch: event.payload.hasConfusion === true ? [...pending, key] : pending };
  }
  const flow = gradFlowFromEvent(event);
  if (flow) return { ...state, gradFlow: upsertGradFlow(state.gradFlow, flow) };
  return { ...state, run: runWithStatus(state.run, event) };
}
