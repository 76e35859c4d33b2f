import { BadRequestException, Injectable } from '@nestjs/common';
import {
  type ApiError,
  expandSweep,
  type Page,
  RUN_STATUSES,
  type SweepDetailDto,
  type SweepDto,
  type SweepMetricsDto,
  type SweepMetricsQuery,
  type SweepPreviewDto,
  type SweepRunPlan,
  type SweepSpec,
} from '@reslab/contracts';
import { AuditService } from '../audit/audit.service.js';
import { notFound } from '../common/api-errors.js';
import { after, type Keyset, toPage } from '../common/keyset-page.js';
import { PrismaService } from '../database/prisma.service.js';
import { ExperimentsService } from '../experiments/experiments.service.js';
import { Prisma, type Run, type Sweep } from '../generated/prisma/client.js';
import { logger } from '../logger.js';
import { readCurves } from '../runs/run-curves.js';
import { toRunDto } from '../runs/run-dto.js';
import { RunsService } from '../runs/runs.service.js';

function countByStatus(runs: Pick<Run, 'status'>[]): SweepDto['counts'] {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as SweepDto['counts'];
  for (const run of runs) counts[run.status] += 1;
  return counts;
}

function toSweepDto(sweep: Sweep, counts: SweepDto['counts']): SweepDto {
  return {
    id: sweep.id,
    experimentId: sweep.experimentId,
    name: sweep.name,
    spec: sweep.spec as Record<string, unknown>,
    createdAt: sweep.createdAt.toISOString(),
    counts,
  };
}

@Injectable()
export class SweepsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly runs: RunsService,
    private readonly experiments: ExperimentsService,
    private readonly audit: AuditService,
  ) {}

  /** Every combination is validated first; one bad combination refuses the whole sweep, storing nothing. */
  plan(spec: SweepSpec): SweepRunPlan[] {
    const expanded = expandSweep(spec);
    if (!expanded.ok) {
      const body: ApiError = {
        statusCode: 400,
        error: 'Bad Request',
        message: `invalid sweep: ${expanded.issues.length} problem(s), e.g. ${expanded.issues[0]?.path}: ${expanded.issues[0]?.message}`,
        issues: expanded.issues,
      };
      throw new BadRequestException(body);
    }
    return expanded.runs;
  }

  preview(spec: SweepSpec): SweepPreviewDto {
    const runs = this.plan(spec);
    return { count: runs.length, runs: runs.map(({ name, params }) => ({ name, params })) };
  }

  async create(spec: SweepSpec): Promise<SweepDetailDto> {
    const plans = this.plan(spec);
    const { sweep, runs, teamId } = await this.prisma.$transaction(async (tx) => {
      const { experimentId, teamId } = await this.experiments.ensure(tx, spec.project, spec.experiment ?? spec.name);
      await this.runs.checkFits(
        tx,
        teamId,
        plans.map((plan) => plan.config),
      );
      const sweep = await tx.sweep.create({ data: { experimentId, teamId, name: spec.name, spec: spec as object } });
      const runs = await tx.run.createManyAndReturn({
        data: plans.map((plan) => ({
          experimentId,
          teamId,
          sweepId: sweep.id,
          name: plan.name,
          params: plan.params,
          config: plan.config,
          arch: plan.config.model.arch,
          depth: plan.config.model.depth,
          priority: spec.priority,
          maxAttempts: spec.maxAttempts,
        })),
      });
      return { sweep, runs, teamId };
    });
    await this.runs.afterCreate(runs);
    await this.audit.record(
      'sweep.create',
      { type: 'sweep', id: sweep.id, teamId },
      { name: spec.name, project: spec.project, runs: runs.length },
    );
    logger.info({ sweepId: sweep.id, runs: runs.length }, 'sweep queued');
    return this.detail(sweep.id);
  }

  /** Newest first, a keyset page at a time (common/keyset-page.ts); runs are counted, not loaded. */
  async list(page: { limit: number; cursor?: Keyset }): Promise<Page<SweepDto>> {
    const sweeps = await this.prisma.sweep.findMany({
      where: after('createdAt', page.cursor),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.limit + 1,
    });
    const counts = await this.prisma.run.groupBy({
      by: ['sweepId', 'status'],
      where: { sweepId: { in: sweeps.map((s) => s.id) } },
      _count: { _all: true },
    });
    const countsOf = (sweepId: string) => {
      const byStatus = countByStatus([]);
      for (const c of counts) if (c.sweepId === sweepId) byStatus[c.status] = c._count._all;
      return byStatus;
    };
    return toPage(
      sweeps,
      page.limit,
      (s) => s.createdAt,
      (s) => toSweepDto(s, countsOf(s.id)),
    );
  }

  /** The sweep, its runs, and each run's last epoch per split: what the depth plot needs in one call. */
  async detail(id: string): Promise<SweepDetailDto> {
    const sweep = await this.prisma.sweep.findUnique({
      where: { id },
      include: { runs: { orderBy: { name: 'asc' } } },
    });
    if (!sweep) throw notFound(`sweep ${id}`);
    // Each run's last epoch per split: one backward step down the (runId, epoch, split) index per run and
    // split, instead of sorting every EpochMetric row of the sweep (300,000 for 1,000 runs of 100 epochs).
    const finals = await this.prisma.$queryRaw<
      { runId: string; split: 'train' | 'val' | 'test'; epoch: number; loss: number; accuracy: number; f1: number }[]
    >`SELECT r.id AS "runId", s.split::text AS split, m.epoch, m.loss, m.accuracy, m.f1
        FROM "Run" r CROSS JOIN unnest(enum_range(NULL::"Split")) AS s(split)
        JOIN LATERAL (SELECT epoch, loss, accuracy, f1 FROM "EpochMetric"
                       WHERE "runId" = r.id AND split = s.split ORDER BY epoch DESC LIMIT 1) m ON true
       WHERE r."sweepId" = ${id}::uuid`;
    const byRunSplit = new Map(finals.map((f) => [`${f.runId}:${f.split}`, f]));
    const final = (runId: string, split: string) => {
      const row = byRunSplit.get(`${runId}:${split}`);
      return row ? { epoch: row.epoch, loss: row.loss, accuracy: row.accuracy, f1: row.f1 } : null;
    };
    return {
      ...toSweepDto(sweep, countByStatus(sweep.runs)),
      runs: sweep.runs.map((run) => ({
        ...toRunDto(run),
        final: { train: final(run.id, 'train'), val: final(run.id, 'val'), test: final(run.id, 'test') },
      })),
    };
  }

  /**
   * Every curve of a sweep, columnar (runs/run-curves.ts). The sweep is looked up first through the team-scoped
   * client: one the caller may not see is a 404, and its runs are never read.
   */
  async metrics(id: string, query: SweepMetricsQuery): Promise<SweepMetricsDto> {
    const sweep = await this.prisma.sweep.findUnique({ where: { id }, select: { id: true } });
    if (!sweep) throw notFound(`sweep ${id}`);
    const curves = await readCurves(this.prisma, Prisma.sql`r."sweepId" = ${id}::uuid`, query);
    return { sweepId: id, curves };
  }

  async cancel(id: string): Promise<SweepDetailDto> {
    const runs = await this.prisma.run.findMany({ where: { sweepId: id, status: { in: ['queued', 'running'] } } });
    for (const run of runs) await this.runs.cancel(run.id);
    await this.recordOnSweep('sweep.cancel', id, runs.length);
    return this.detail(id);
  }

  async retry(id: string): Promise<SweepDetailDto> {
    const runs = await this.prisma.run.findMany({ where: { sweepId: id, status: { in: ['failed', 'cancelled'] } } });
    for (const run of runs) await this.runs.retry(run.id);
    await this.recordOnSweep('sweep.retry', id, runs.length);
    return this.detail(id);
  }

  private async recordOnSweep(action: 'sweep.cancel' | 'sweep.retry', id: string, runs: number): Promise<void> {
    const { teamId } = await this.prisma.sweep.findUniqueOrThrow({ where: { id }, select: { teamId: true } });
    await this.audit.record(action, { type: 'sweep', id, teamId }, { runs });
  }
}
