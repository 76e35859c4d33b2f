import {
  type AnalysisDetailDto,
  type AnalysisDto,
  type AnalysisKind,
  type AnalysisPartData,
  analysisStatus,
} from '@reslab/contracts';
import type { Analysis, AnalysisPart, Run } from '../generated/prisma/client.js';

export type AnalysisWithJobs = Analysis & { jobs: Run[] };

export function toAnalysisDto(analysis: AnalysisWithJobs): AnalysisDto {
  const jobs = [...analysis.jobs].sort((a, b) => (a.analysisChunk ?? 0) - (b.analysisChunk ?? 0));
  const status = analysisStatus(jobs);
  const ended = jobs.map((j) => j.finishedAt?.getTime() ?? 0);
  return {
    id: analysis.id,
    runId: analysis.runId,
    kind: analysis.kind as AnalysisKind,
    params: analysis.params as Record<string, unknown>,
    chunks: analysis.chunks,
    status,
    jobs: jobs.map((job) => ({
      runId: job.id,
      chunk: job.analysisChunk ?? 0,
      status: job.status,
      attempt: job.attempt,
      workerId: job.workerId,
      failureReason: job.failureReason,
      done: job.analysisDone,
      units: job.analysisUnits,
    })),
    createdAt: analysis.createdAt.toISOString(),
    finishedAt:
      status === 'queued' || status === 'running' || !jobs.length ? null : new Date(Math.max(...ended)).toISOString(),
  };
}

export function toAnalysisDetailDto(analysis: AnalysisWithJobs & { parts: AnalysisPart[] }): AnalysisDetailDto {
  return {
    ...toAnalysisDto(analysis),
    parts: analysis.parts.map((p) => ({ part: p.part, chunk: p.chunk, data: p.data as AnalysisPartData })),
  };
}
