/**
 * Folding the live stream (lib/stream-client.ts) into what the run, sweep and workers pages show: a room's
 * snapshot first, then each event. One module, so the three folds keep the same rules:
 *
 * - Events up to a snapshot's `lastEventId` are already in it, and change nothing.
 * - Every other step is an upsert keyed like the database rows, (epoch, split) for metrics and epoch for
 *   gradient flow, so an event replayed or delivered twice changes nothing.
 * - A status event older (by id) than the one a run's status came from is ignored, so a late delivery never
 *   turns a finished run back to `running`.
 * Event ids are not assumed to arrive in order: two transactions may commit in the other order than their ids.
 */
import {
  type CurvatureEventPayload,
  type EpochMetricDto,
  type ExternalRunDto,
  type ExternalRunSnapshot,
  type GradFlowDto,
  isLaterEventId,
  RUN_STATUSES,
  type RunDto,
  type RunEventMessage,
  type RunSnapshot,
  type RunStatus,
  type SweepDetailDto,
  type SweepRunDto,
  type SweepSnapshot,
  type WorkerDto,
  type WorkerList,
} from '@reslab/contracts';
import { type TrainCurves, trainErrorPercent } from '@/lib/train-curves';

// The run page.

export interface RunState {
  run: RunDto;
  metrics: EpochMetricDto[];
  gradFlow: GradFlowDto[];
  /** The per-epoch curvature diagnostic, by epoch; absent or [] when the run does not measure it. */
  curvature?: CurvatureEventPayload[];
  /**
   * `epoch:split` of metrics whose confusion matrix is stored but not here yet: the stream leaves matrices
   * out of `epoch_metric` events (EpochMetricEventPayload), so they come from GET /runs/:id/metrics.
   */
  confusionToFetch?: string[];
  /** The snapshot's `lastEventId`: events up to it are reflected. Absent for the server-rendered first view. */
  snapshotEventId?: string;
  /** Id of the event the run's status came from (the snapshot's id after a snapshot). */
  statusEventId?: string;
}

type Of<T extends RunEventMessage['type']> = Extract<RunEventMessage, { type: T }>;

export const metricKey = (m: { epoch: number; split: string }) => `${m.epoch}:${m.split}`;

export const TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** A snapshot (first subscribe, reconnect, or resync) replaces the view; live matrices are fetched afresh. */
export function runFromSnapshot(snapshot: RunSnapshot): RunState {
  return {
    run: snapshot.run,
    metrics: snapshot.metrics,
    gradFlow: snapshot.gradFlow,
    curvature: snapshot.curvature,
    snapshotEventId: snapshot.lastEventId,
    statusEventId: snapshot.lastEventId,
  };
}

/** Whether the snapshot `state` was built from already holds `event`. */
export function inSnapshot(snapshotEventId: string | undefined, event: RunEventMessage): boolean {
  return snapshotEventId !== undefined && !isLaterEventId(event.id, snapshotEventId);
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
  const { metrics, pending } = mergeConfusions(state.metrics, state.confusionToFetch, fetched);
  return { ...state, metrics, confusionToFetch: pending };
}

function mergeConfusions(metrics: EpochMetricDto[], pending: string[] | undefined, fetched: EpochMetricDto[]) {
  const byKey = new Map(fetched.map((m) => [metricKey(m), m.confusion]));
  return {
    metrics: metrics.map((m) => {
      const confusion = byKey.get(metricKey(m));
      return confusion ? { ...m, confusion } : m;
    }),
    pending: (pending ?? []).filter((key) => !byKey.has(key)),
  };
}

/** An `epoch_metric` event as the DTO the REST API serves (events logged before 1a6cc61 carry their matrix). */
export function metricFromEvent(event: Of<'epoch_metric'>): EpochMetricDto {
  const { hasConfusion: _h, top5, weighted, confusion, ...fields } = event.payload;
  return {
    ...fields,
    runId: event.runId,
    top5: top5 ?? null,
    weighted: weighted ?? null,
    confusion: confusion ?? null,
  };
}

/** A `grad_flow` event as the DTO the REST API serves: blocks are numbered in the order the engine wrote them. */
export function gradFlowFromEvent(event: Of<'grad_flow'>): GradFlowDto {
  const { epoch, blocks } = event.payload;
  return { runId: event.runId, epoch, blocks: blocks.map((b, index) => ({ ...b, index })) };
}

export function upsertGradFlow(list: GradFlowDto[], flow: GradFlowDto): GradFlowDto[] {
  return [...list.filter((g) => g.epoch !== flow.epoch), flow].sort((a, b) => a.epoch - b.epoch);
}

/** A `status` event's fields folded into the run (the rest comes with the next REST read). */
export function runWithStatus<R extends RunDto>(run: R, event: Of<'status'>): R {
  const p = event.payload;
  return {
    ...run,
    status: p.status,
    attempt: p.attempt,
    workerId: p.workerId === undefined ? run.workerId : p.workerId,
    failureReason: p.failureReason === undefined ? run.failureReason : p.failureReason,
  };
}

/**
 * An epoch folded into a run's rows: an upsert by (epoch, split), and its confusion matrix marked to fetch when the
 * event says it has one (the stream carries no matrices). Engine runs and external runs alike.
 */
function withEpoch(
  metrics: EpochMetricDto[],
  toFetch: string[] | undefined,
  event: Of<'epoch_metric'>,
): { metrics: EpochMetricDto[]; confusionToFetch: string[] } {
  const metric = metricFromEvent(event);
  const key = metricKey(metric);
  const pending = (toFetch ?? []).filter((k) => k !== key);
  return {
    metrics: upsertMetric(metrics, metric),
    confusionToFetch: event.payload.hasConfusion ? [...pending, key] : pending,
  };
}

export function applyRunEvent(state: RunState, event: RunEventMessage): RunState {
  if (event.runId !== state.run.id || inSnapshot(state.snapshotEventId, event)) return state;
  switch (event.type) {
    case 'epoch_metric': {
      const { metrics, confusionToFetch } = withEpoch(state.metrics, state.confusionToFetch, event);
      return { ...state, metrics, confusionToFetch };
    }
    case 'grad_flow':
      return { ...state, gradFlow: upsertGradFlow(state.gradFlow, gradFlowFromEvent(event)) };
    case 'curvature': {
      const others = (state.curvature ?? []).filter((c) => c.epoch !== event.payload.epoch);
      return { ...state, curvature: [...others, event.payload].sort((a, b) => a.epoch - b.epoch) };
    }
    case 'status':
      if (state.statusEventId !== undefined && !isLaterEventId(event.id, state.statusEventId)) return state;
      return { ...state, run: runWithStatus(state.run, event), statusEventId: event.id };
    // An analysis job's parts belong to its analysis's room (lib/analysis-fold.ts), not to a run page.
    case 'analysis_part':
      return state;
  }
}

// The sweep page: its runs (status and final metrics per split, what the depth plot and the runs table read)
// and each run's training-error curve.

export interface SweepState {
  sweep: SweepDetailDto;
  /** Training error (%) per epoch, per run id: TrainCurves (lib/page-data.ts), which loads the first view. */
  curves: TrainCurves;
  /** As RunState's: absent for the server-rendered first view. */
  snapshotEventId?: string;
  /** Per run, the id of the event its status came from. */
  statusEventIds: Record<string, string>;
}

export function statusCounts(runs: { status: RunStatus }[]): SweepDetailDto['counts'] {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as SweepDetailDto['counts'];
  for (const r of runs) counts[r.status]++;
  return counts;
}

/**
 * A snapshot (first subscribe, reconnect, or resync) replaces the runs. It carries no curves, so the curves held
 * stay: an epoch missed during a resync is missing from its curve until the page is loaded again.
 */
export function sweepFromSnapshot(state: SweepState, snapshot: SweepSnapshot): SweepState {
  const { lastEventId, ...sweep } = snapshot;
  return {
    sweep,
    curves: state.curves,
    snapshotEventId: lastEventId,
    statusEventIds: Object.fromEntries(sweep.runs.map((r) => [r.id, lastEventId])),
  };
}

export function applySweepEvent(state: SweepState, event: RunEventMessage): SweepState {
  if (inSnapshot(state.snapshotEventId, event)) return state;
  const target = state.sweep.runs.find((r) => r.id === event.runId);
  if (!target) return state;
  const withRun = (run: SweepRunDto): SweepDetailDto['runs'] =>
    state.sweep.runs.map((r) => (r.id === run.id ? run : r));
  switch (event.type) {
    case 'epoch_metric': {
      const metric = metricFromEvent(event);
      const current = target.final[metric.split];
      const final = { epoch: metric.epoch, loss: metric.loss, accuracy: metric.accuracy, f1: metric.f1 };
      // The last epoch of a split is what the depth plot shows; an earlier epoch arriving late does not replace it.
      const runs =
        !current || current.epoch <= metric.epoch
          ? withRun({ ...target, final: { ...target.final, [metric.split]: final } })
          : state.sweep.runs;
      const curves =
        metric.split === 'train'
          ? {
              ...state.curves,
              [target.id]: [
                ...(state.curves[target.id] ?? []).filter(([e]) => e !== metric.epoch),
                [metric.epoch, trainErrorPercent(metric.accuracy)] as [number, number],
              ].sort((a, b) => a[0] - b[0]),
            }
          : state.curves;
      return { ...state, sweep: { ...state.sweep, runs }, curves };
    }
    case 'status': {
      const last = state.statusEventIds[target.id];
      if (last !== undefined && !isLaterEventId(event.id, last)) return state;
      const runs = withRun(runWithStatus(target, event));
      return {
        ...state,
        sweep: { ...state.sweep, runs, counts: statusCounts(runs) },
        statusEventIds: { ...state.statusEventIds, [target.id]: event.id },
      };
    }
    case 'grad_flow':
    case 'curvature':
    case 'analysis_part':
      return state;
  }
}

// The workers room: each `workers` message (and the subscribe snapshot) is the whole list the caller may see, as
// the orchestrator read it after a change, so it replaces the view; socket.io keeps one connection's messages in
// order. What the page says about the list is computed from a clock the caller passes (the server render has
// none, so hydration matches).

/** Workers heartbeat every 10 s; three missed beats and a worker counts as stale. */
export const HEARTBEAT_SECONDS = 10;
export const STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS;

export type Health = 'ok' | 'draining' | 'stale';

/** `now`: milliseconds since the epoch. */
export function workerHealth(worker: WorkerDto, now: number): Health {
  if ((now - Date.parse(worker.lastHeartbeatAt)) / 1000 > STALE_AFTER_SECONDS) return 'stale';
  return worker.draining ? 'draining' : 'ok';
}

/** The list as the page shows it: by name. */
export function applyWorkers(list: WorkerList): WorkerList {
  return [...list].sort((a, b) => a.name.localeCompare(b.name));
}

export interface WorkersSummary {
  /** Null without a clock (the server render). */
  health: Record<Health, number> | null;
  slots: number;
  busy: number;
}

export function workersSummary(workers: WorkerList, now: number | null): WorkersSummary {
  let health: Record<Health, number> | null = null;
  if (now !== null) {
    health = { ok: 0, draining: 0, stale: 0 };
    for (const w of workers) health[workerHealth(w, now)]++;
  }
  return {
    health,
    slots: workers.reduce((n, w) => n + w.slots, 0),
    busy: workers.reduce((n, w) => n + w.runningRunIds.length, 0),
  };
}

// The page of a run logged from a script: its epochs (log_epoch) and status arrive as a run room's events do; its
// metric histories are read again over REST (components/external/external-run-view.tsx).

export interface ExternalRunLive {
  run: ExternalRunDto;
  /** Epochs logged with log_epoch, as GET /runs/:id/metrics serves them. */
  epochs: EpochMetricDto[];
  /** As RunState's: matrices of live epochs, fetched when shown. */
  confusionToFetch?: string[];
  snapshotEventId?: string;
  statusEventId?: string;
}

export function externalFromSnapshot(snapshot: ExternalRunSnapshot): ExternalRunLive {
  return {
    run: snapshot.run,
    epochs: snapshot.metrics,
    snapshotEventId: snapshot.lastEventId,
    statusEventId: snapshot.lastEventId,
  };
}

/** The same rules as applyRunEvent: an epoch is an upsert by (epoch, split), an older status is ignored. */
export function applyExternalRunEvent(state: ExternalRunLive, event: RunEventMessage): ExternalRunLive {
  if (event.runId !== state.run.id || inSnapshot(state.snapshotEventId, event)) return state;
  if (event.type === 'epoch_metric') {
    const { metrics, confusionToFetch } = withEpoch(state.epochs, state.confusionToFetch, event);
    return { ...state, epochs: metrics, confusionToFetch };
  }
  if (event.type === 'status') {
    const status = event.payload.status;
    // An external run is never queued; a status it cannot have changes nothing.
    if (status === 'queued') return state;
    if (state.statusEventId !== undefined && !isLaterEventId(event.id, state.statusEventId)) return state;
    // A resumed run has no end time until it ends again. An end carries none in its event: the time the
    // orchestrator logged it stands in for a run that had none (the script's own endTime, seconds earlier at most
    // for the SDK, arrives with the next read of the run over REST).
    const finishedAt = status === 'running' ? null : (state.run.finishedAt ?? event.time);
    return { ...state, run: { ...state.run, status, finishedAt }, statusEventId: event.id };
  }
  return state;
}

/** Matrices fetched over REST put into the epochs they belong to (withConfusions for an external run). */
export function externalWithConfusions(state: ExternalRunLive, fetched: EpochMetricDto[]): ExternalRunLive {
  const { metrics, pending } = mergeConfusions(state.epochs, state.confusionToFetch, fetched);
  return { ...state, epochs: metrics, confusionToFetch: pending };
}
