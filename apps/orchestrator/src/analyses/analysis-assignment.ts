import { posix } from 'node:path';
import type { AnalysisJobConfig, AnalysisSpec, RunAssignment, RunConfig } from '@reslab/contracts';
import type { PrismaService } from '../database/prisma.service.js';
import type { Run } from '../generated/prisma/client.js';
import { needsCheckpoint } from './analysis-plan.js';

/** The folder of a run's newest checkpoint, relative to the artifact store's root; null when it has none. */
export async function checkpointOf(prisma: PrismaService, runId: string): Promise<string | null> {
  const weights = await prisma.artifact.findFirst({
    where: { runId, kind: 'weights' },
    orderBy: { createdAt: 'desc' },
    select: { path: true },
  });
  return weights ? posix.dirname(weights.path) : null;
}

/**
 * What a worker that claimed a job of kind `analysis` needs beside the run config (RunAssignment.analysis): the
 * engine's AnalysisJobConfig and the analysed run's checkpoint, read at claim time, so a chunk requeued later
 * reads the same final checkpoint wherever it runs. Null for a training run.
 */
export async function analysisAssignment(prisma: PrismaService, job: Run): Promise<RunAssignment['analysis']> {
  if (job.kind !== 'analysis' || !job.analysisId) return null;
  const analysis = await prisma.analysis.findUniqueOrThrow({ where: { id: job.analysisId } });
  const spec = { kind: analysis.kind, params: analysis.params } as AnalysisSpec;
  const config: AnalysisJobConfig = {
    version: 1,
    run: job.config as RunConfig,
    analysis: spec,
    chunk: { index: job.analysisChunk ?? 0, count: analysis.chunks },
  };
  return {
    analysisId: analysis.id,
    job: config,
    checkpoint: needsCheckpoint(spec.kind) ? await checkpointOf(prisma, analysis.runId) : null,
  };
}
