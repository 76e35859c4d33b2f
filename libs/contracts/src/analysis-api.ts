import { z } from 'zod';
import { AnalysisKind, AnalysisPartData, AnalysisSpec, PartName } from './analysis.js';
import { RunStatus } from './api.js';

const isoTime = z.iso.datetime({ offset: true });

/** `POST /runs/:id/analyses`: the kind and its params (defaults filled). The same request twice is one analysis. */
export const CreateAnalysisRequest = AnalysisSpec;
export type CreateAnalysisRequest = z.infer<typeof CreateAnalysisRequest>;

/** One job of an analysis: a run of kind `analysis` for one chunk. */
export const AnalysisJobDto = z.object({
  /** The job's own run id (its status, attempts and stderr live there). */
  runId: z.uuid(),
  chunk: z.int32().nonnegative(),
  status: RunStatus,
  attempt: z.int32().nonnegative(),
  workerId: z.uuid().nullable(),
  failureReason: z.string().nullable(),
  /** Units done of this chunk's units, as its last analysis_part said; 0 of null before the engine started. */
  done: z.int32().nonnegative(),
  units: z.int32().positive().nullable(),
});
export type AnalysisJobDto = z.infer<typeof AnalysisJobDto>;

/**
 * An analysis of a run. Its status is its jobs': succeeded when every chunk has, failed or cancelled when any
 * has (and none runs), running when any runs, else queued.
 */
export const AnalysisDto = z.object({
  id: z.uuid(),
  /** The analysed run. */
  runId: z.uuid(),
  kind: AnalysisKind,
  params: z.record(z.string(), z.unknown()),
  chunks: z.int32().positive(),
  status: RunStatus,
  jobs: z.array(AnalysisJobDto),
  createdAt: isoTime,
  finishedAt: isoTime.nullable(),
});
export type AnalysisDto = z.infer<typeof AnalysisDto>;

export const AnalysisPartDto = z.object({ part: PartName, chunk: z.int32().nonnegative(), data: AnalysisPartData });
export type AnalysisPartDto = z.infer<typeof AnalysisPartDto>;

/** `GET /analyses/:id`: the analysis and every part stored so far, in part order. */
export const AnalysisDetailDto = AnalysisDto.extend({ parts: z.array(AnalysisPartDto) });
export type AnalysisDetailDto = z.infer<typeof AnalysisDetailDto>;

/**
 * An analysis's status from its jobs' (one per chunk), as the orchestrator serves it and a client folds it from
 * its jobs' status events: succeeded when every chunk has; running while any runs, or while some are done and
 * others wait (it has started); queued before any started; once none is queued or running, failed if any failed,
 * else cancelled.
 */
export function analysisStatus(jobs: readonly { status: RunStatus }[]): RunStatus {
  const count = (status: RunStatus) => jobs.filter((j) => j.status === status).length;
  if (jobs.length && count('succeeded') === jobs.length) return 'succeeded';
  if (count('running')) return 'running';
  if (count('queued')) return count('succeeded') ? 'running' : 'queued';
  return count('failed') ? 'failed' : 'cancelled';
}

/** `GET /runs/:id/analyses` and `GET /sweeps/:id/analyses`: the analyses of a run or of a sweep's runs, newest first. */
export const AnalysisList = z.object({ items: z.array(AnalysisDetailDto) });
export type AnalysisList = z.infer<typeof AnalysisList>;
