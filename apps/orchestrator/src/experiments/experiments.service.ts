import { Injectable } from '@nestjs/common';
import { type ExperimentDto, RUN_STATUSES } from '@reslab/contracts';
import { invalidField, notFound } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { writableTeams } from '../identity/request-scope.js';

/** Teams own projects own experiments; every run and sweep hangs off an experiment. */
@Injectable()
export class ExperimentsService {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * The experiment by name inside the project `ref` names (`team/project`, or a project slug that
   * exactly one of the caller's writable teams has), created on first use. The project must exist:
   * projects are made by team admins (POST /teams/:id/projects), never by a typo in a request.
   */
  async ensure(
    tx: Prisma.TransactionClient,
    ref: string,
    experiment: string,
  ): Promise<{ experimentId: string; teamId: string }> {
    const [teamSlug, projectSlug] = ref.includes('/') ? ref.split('/') : [null, ref];
    const writable = writableTeams();
    const projects = await tx.project.findMany({
      where: {
        slug: projectSlug,
        ...(teamSlug ? { team: { slug: teamSlug } } : {}),
        ...(writable === 'all' ? {} : { teamId: { in: [...writable] } }),
      },
      include: { team: { select: { slug: true } } },
      // A stable order for the message that lists them.
      orderBy: { team: { slug: 'asc' } },
    });
    if (projects.length === 0) throw invalidField('project', `no project '${ref}' in a team you may launch runs in`);
    if (projects.length > 1) {
      const paths = projects.map((p) => `${p.team.slug}/${p.slug}`).join(', ');
      throw invalidField('project', `'${ref}' names more than one project (${paths}): write it as team/project`);
    }
    const [project] = projects as [(typeof projects)[number]];
    // Not Prisma's upsert: on a compound key that is a SELECT then an INSERT, and scripts or sweeps starting together
    // in a new experiment raced into Experiment_projectId_name_key (a 500 for 2-4 of 5 parallel creates). ON CONFLICT
    // DO NOTHING waits for the other insert to commit, and the read after it sees that row. (DO UPDATE would return it
    // in one statement, but would lock the experiment's row until each creating transaction ends.)
    const where = { projectId_name: { projectId: project.id, name: experiment } };
    const e =
      (await tx.experiment.findUnique({ where, select: { id: true } })) ??
      (
        await tx.$queryRaw<{ id: string }[]>`
          INSERT INTO "Experiment" ("projectId", "teamId", "name")
          VALUES (${project.id}::uuid, ${project.teamId}::uuid, ${experiment})
          ON CONFLICT ("projectId", "name") DO NOTHING
          RETURNING id`
      )[0] ??
      (await tx.experiment.findUniqueOrThrow({ where, select: { id: true } }));
    return { experimentId: e.id, teamId: project.teamId };
  }

  async list(): Promise<ExperimentDto[]> {
    return (await this.prisma.experiment.findMany({ orderBy: { createdAt: 'desc' }, include: DETAIL, take: 1000 })).map(
      toExperimentDto,
    );
  }

  async get(id: string): Promise<ExperimentDto> {
    const found = await this.prisma.experiment.findUnique({ where: { id }, include: DETAIL });
    if (!found) throw notFound(`experiment ${id}`);
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
