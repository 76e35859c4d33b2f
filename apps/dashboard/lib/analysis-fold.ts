/**
 * Folding an analysis room (lib/stream-client.ts, room kind `analysis`) into what the run and model pages show,
 * under the rules of lib/stream-fold.ts: events up to the snapshot's `lastEventId` change nothing, a part is
 * upserted by its name, and a job's status event older than the one its status came from is ignored.
 */
import {
  type AnalysisDetailDto,
  type AnalysisJobDto,
  type AnalysisSnapshot,
  analysisStatus,
  isLaterEventId,
  type RunEventMessage,
} from '@reslab/contracts';
import { inSnapshot, TERMINAL } from '@/lib/stream-fold';

export interface AnalysisState {
  analysis: AnalysisDetailDto;
  /** Absent for the first view read over REST. */
  snapshotEventId?: string;
  /** Per job (its run id), the id of the event its status came from. */
  statusEventIds: Record<string, string>;
}

/** The first view, read over REST (GET /runs/:id/analyses) before the room is joined. */
export function analysisFromDto(analysis: AnalysisDetailDto): AnalysisState {
  return { analysis, statusEventIds: {} };
}

/** A snapshot (first subscribe, reconnect, or resync) replaces the view. */
export function analysisFromSnapshot(snapshot: AnalysisSnapshot): AnalysisState {
  const { lastEventId, ...analysis } = snapshot;
  return {
    analysis,
    snapshotEventId: lastEventId,
    statusEventIds: Object.fromEntries(analysis.jobs.map((j) => [j.runId, lastEventId])),
  };
}

/** Units done of all units, over every chunk that has said how many it has; null before any has. */
export function analysisProgress(analysis: Pick<AnalysisDetailDto, 'jobs'>): { done: number; units: number } | null {
  const counted = analysis.jobs.filter((j) => j.units !== null);
  if (!counted.length) return null;
  return {
    done: counted.reduce((n, j) => n + Math.min(j.done, j.units ?? 0), 0),
    units: counted.reduce((n, j) => n + (j.units ?? 0), 0),
  };
}

function withJobs(
  analysis: AnalysisDetailDto,
  jobs: AnalysisJobDto[],
  time: string,
): Pick<AnalysisDetailDto, 'jobs' | 'status' | 'finishedAt'> {
  const status = analysisStatus(jobs);
  const finished = TERMINAL.includes(status);
  return { jobs, status, finishedAt: finished ? (analysis.finishedAt ?? time) : null };
}

export function applyAnalysisEvent(state: AnalysisState, event: RunEventMessage): AnalysisState {
  const { analysis } = state;
  if (event.analysisId !== analysis.id || inSnapshot(state.snapshotEventId, event)) return state;
  switch (event.type) {
    case 'status': {
      const job = analysis.jobs.find((j) => j.runId === event.runId);
      if (!job) return state;
      const last = state.statusEventIds[job.runId];
      if (last !== undefined && !isLaterEventId(event.id, last)) return state;
      const p = event.payload;
      const fresh: AnalysisJobDto = {
        ...job,
        status: p.status,
        attempt: p.attempt,
        workerId: p.workerId === undefined ? job.workerId : p.workerId,
        failureReason: p.failureReason === undefined ? job.failureReason : p.failureReason,
      };
      const jobs = analysis.jobs.map((j) => (j === job ? fresh : j));
      return {
        ...state,
        analysis: { ...analysis, ...withJobs(analysis, jobs, event.time) },
        statusEventIds: { ...state.statusEventIds, [job.runId]: event.id },
      };
    }
    case 'analysis_part': {
      const { part, chunk, data, done, units } = event.payload;
      const at = analysis.parts.findIndex((p) => p.part === part);
      const parts =
        at < 0
          ? [...analysis.parts, { part, chunk, data }]
          : analysis.parts.map((p, i) => (i === at ? { part, chunk, data } : p));
      // Parts of one chunk arrive in order, but a replay may hand an earlier one over late: progress never goes back.
      const jobs = analysis.jobs.map((j) => (j.chunk === chunk ? { ...j, done: Math.max(j.done, done), units } : j));
      return { ...state, analysis: { ...analysis, parts, jobs } };
    }
    default:
      // Training events (epoch metrics, gradient flow, per-epoch curvature) never carry an analysisId.
      return state;
  }
}
