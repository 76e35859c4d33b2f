import { Injectable } from '@nestjs/common';
import type { AnalysisDetailDto, AnalysisDto, AnalysisList, AnalysisSpec } from '@reslab/contracts';
import { AuditService } from '../audit/audit.service.js';
import { conflict, notFound } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { logger } from '../logger.js';
import { RunsService } from '../runs/runs.service.js';
import { checkpointOf } from './analysis-assignment.js';
import { toAnalysisDetailDto, toAnalysisDto } from './analysis-dto.js';
import { chunkCount, needsCheckpoint, paramsKey } from './analysis-plan.js';
import { jobsToRequeue } from './analysis-status.js';

const WITH_JOBS = { jobs: true } as const;
const WITH_PARTS = { jobs: true, parts: { orderBy: { id: 'asc' } } } as const;

/**
 * Analyses of finished runs (issue 11). Each is done by one job per chunk, and a job is a Run of kind `analysis`:
 * RunsService queues, leases, fences, cancels and requeues it exactly as it does a training run, and the worker
 * runs the engine's `analyze` command for it (its assignment carries `analysis`: analysis-assignment.ts).
 */
@Injectable()
export class AnalysesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly runs: RunsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Starts an analysis of run `runId`, or returns the one already asked with the same kind and params (`created`
   * false), sending its failed or cancelled chunks back to the queue: a finished chunk is never computed again.
   */
  async create(runId: string, spec: AnalysisSpec): Promise<{ analysis: AnalysisDetailDto; created: boolean }> {
    const run = await this.runs.get(runId);
    if (run.kind === 'external') throw conflict(`run ${runId} is an external run: it has no checkpoint to analyse`);
    if (run.kind !== 'train') throw conflict(`run ${runId} is an analysis job; analyse the run it belongs to`);
    if (needsCheckpoint(spec.kind)) {
      if (run.status !== 'succeeded') {
        throw conflict(`run ${runId} is ${run.status}; a ${spec.kind} analysis needs a run that finished training`);
      }
      if (!(await checkpointOf(this.prisma, runId))) throw conflict(`run ${runId} has no checkpoint to analyse`);
    }
    const chunks = chunkCount(spec);
    const key = paramsKey(spec);
    const existing = await this.prisma.analysis.findUnique({
      where: { runId_kind_paramsKey: { runId, kind: spec.kind, paramsKey: key } },
      include: WITH_JOBS,
    });
    if (existing) {
      for (const job of jobsToRequeue(existing.jobs)) await this.runs.retry(job.id);
      return { analysis: await this.detail(existing.id), created: false };
    }
    const { analysis, jobs } = await this.prisma.$transaction(async (tx) => {
      const analysis = await tx.analysis.create({
        data: { teamId: run.teamId, runId, kind: spec.kind, params: spec.params, paramsKey: key, chunks },
      });
      const jobs = await tx.run.createManyAndReturn({
        data: Array.from({ length: chunks }, (_, chunk) => ({
          experimentId: run.experimentId,
          teamId: run.teamId,
          kind: 'analysis' as const,
          analysisId: analysis.id,
          analysisChunk: chunk,
          name: `${spec.kind} of ${run.name ?? run.id.slice(0, 8)}${chunks > 1 ? ` (${chunk + 1}/${chunks})` : ''}`,
          config: run.config as Prisma.InputJsonValue,
          arch: run.arch,
          depth: run.depth,
          priority: run.priority,
        })),
      });
      return { analysis, jobs };
    });
    await this.runs.afterCreate(jobs);
    await this.audit.record(
      'analysis.create',
      { type: 'analysis', id: analysis.id, teamId: run.teamId },
      { runId, kind: spec.kind, chunks },
    );
    logger.info({ analysisId: analysis.id, runId, kind: spec.kind, chunks }, 'analysis queued');
    return { analysis: await this.detail(analysis.id), created: true };
  }

  async detail(id: string): Promise<AnalysisDetailDto> {
    const analysis = await this.prisma.analysis.findUnique({ where: { id }, include: WITH_PARTS });
    if (!analysis) throw notFound(`analysis ${id}`);
    return toAnalysisDetailDto(analysis);
  }

  /** The analyses of one run, or of every run of a sweep, newest first, each with its parts. */
  async list(filter: { runId: string } | { sweepId: string }): Promise<AnalysisList> {
    const where = 'runId' in filter ? { runId: filter.runId } : { run: { sweepId: filter.sweepId } };
    const analyses = await this.prisma.analysis.findMany({
      where,
      include: WITH_PARTS,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return { items: analyses.map(toAnalysisDetailDto) };
  }

  async cancel(id: string): Promise<AnalysisDto> {
    const analysis = await this.prisma.analysis.findUnique({ where: { id }, include: WITH_JOBS });
    if (!analysis) throw notFound(`analysis ${id}`);
    const live = analysis.jobs.filter((j) => j.status === 'queued' || j.status === 'running');
    for (const job of live) await this.runs.cancel(job.id);
    await this.audit.record(
      'analysis.cancel',
      { type: 'analysis', id, teamId: analysis.teamId },
      { jobs: live.length },
    );
    const after = await this.prisma.analysis.findUniqueOrThrow({ where: { id }, include: WITH_JOBS });
    return toAnalysisDto(after);
  }
}
