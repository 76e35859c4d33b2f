import { Injectable, NotFoundException } from '@nestjs/common';
import { type ExperimentDto, RUN_STATUSES } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';

/** Teams own projects own experiments; every run and sweep hangs off an experiment. */
@Injectable()
export class ExperimentsService {
  constructor(private readonly prisma: PrismaService) {}

  /** Team, project and experiment by name, created on first use; returns the experiment's id. */
  async ensure(tx: Prisma.TransactionClient, team: string, project: string, experiment: string): Promise<string> {
    const t = await tx.team.upsert({ where: { slug: team }, create: { slug: team, name: team }, update: {} });
    const p = await tx.project.upsert({
      where: { teamId_slug: { teamId: t.id, slug: project } },
      create: { teamId: t.id, slug: project, name: project },
      update: {},
    });
    const e = await tx.experiment.upsert({
      where: { projectId_name: { projectId: p.id, name: experiment } },
      create: { projectId: p.id, name: experiment },
      update: {},
    });
    return e.id;
  }

  async list(): Promise<ExperimentDto[]> {
    return (await this.prisma.experiment.findMany({ orderBy: { createdAt: 'desc' }, include: DETAIL, take: 1000 })).map(
      toExperimentDto,
    );
  }

  async get(id: string): Promise<ExperimentDto> {
    const found = await this.prisma.experiment.findUnique({ where: { id }, include: DETAIL });
    if (!found)
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `experiment ${id} does not exist` });
    return toExperimentDto(found);
  }
}

const DETAIL = {
  project: { include: { team: true } },
  runs: { select: { status: true } },
  sweeps: { select: { id: true } },
} as const;

function toExperimentDto(e: Prisma.ExperimentGetPayload<{ include: typeof DETAIL }>): ExperimentDto {
  const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as ExperimentDto['counts'];
  for (const run of e.runs) counts[run.status] += 1;
  return {
    id: e.id,
    team: e.project.team.slug,
    project: e.project.slug,
    name: e.name,
    description: e.description,
    createdAt: e.createdAt.toISOString(),
    sweepIds: e.sweeps.map((s) => s.id),
    counts,
  };
}
