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
}

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

export function upsertMetric(metrics: EpochMetricDto[], metric: EpochMetricDto): EpochMetricDto[] {
  const rest = metrics.filter((m) => m.epoch !== metric.epoch || m.split !== metric.split);
  return [...rest, metric].sort((a, b) => a.epoch - b.epoch || SPLIT_ORDER[a.split] - SPLIT_ORDER[b.split]);
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
  if (metric) return { ...state, metrics: upsertMetric(state.metrics, metric) };
  const flow = gradFlowFromEvent(event);
  if (flow) return { ...state, gradFlow: upsertGradFlow(state.gradFlow, flow) };
  return { ...state, run: runWithStatus(state.run, event) };
}
