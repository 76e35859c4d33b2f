import { Injectable } from '@nestjs/common';
import { roleAtLeast, type TeamRole } from '@reslab/contracts';
import type { z } from 'zod';
import { PrismaService } from '../database/prisma.service.js';
import type { Experiment } from '../generated/prisma/client.js';
import type { UserPrincipal } from '../identity/principal.js';
import { currentScope } from '../identity/request-scope.js';
import { doesNotExist, invalidParameter, MlflowError } from './mlflow-errors.js';
import { decodePageToken, encodePageToken, type MlflowExperiment, type SearchExperiments } from './mlflow-protocol.js';
import { matchesExperiment, parseExperimentFilter, SearchSyntaxError } from './search-filter.js';

/** The project that holds a team's MLflow experiments, made on first use by a member. */
export const MLFLOW_PROJECT = 'mlflow';
/** MLflow's default experiment: id "0", name "Default" (mlflow/entities/experiment.py DEFAULT_EXPERIMENT_ID). */
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** The team an MLflow request works in, and the caller's role there. */
export interface MlflowTeam {
  id: string;
  slug: string;
  role: TeamRole;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (id: string) => UUID.test(id);

/**
 * MLflow's experiments are ResLab Experiments in the project `mlflow` of the caller's team. MLflow has no teams:
 * a caller in one team works there; a caller in several names one in the tracking URI
 * (`http://<orchestrator>/mlflow/<team>`), and is told so, with the teams to choose from, when it does not.
 */
@Injectable()
export class MlflowExperimentsService {
  constructor(private readonly prisma: PrismaService) {}

  /** `slug` is the `/mlflow/:team` of the tracking URI, when it has one. */
  async team(slug: string | undefined): Promise<MlflowTeam> {
    const principal = currentScope()?.principal as UserPrincipal | null | undefined;
    if (principal?.kind !== 'user') throw new MlflowError('UNAUTHENTICATED', 'a ResLab API key is the bearer token');
    const teams = await this.prisma.team.findMany({
      where: { id: { in: [...principal.roles.keys()] } },
      select: { id: true, slug: true },
      orderBy: { slug: 'asc' },
    });
    const withRole = (t: { id: string; slug: string }) => ({ ...t, role: principal.roles.get(t.id) as TeamRole });
    if (slug !== undefined) {
      const team = teams.find((t) => t.slug === slug);
      if (!team) throw new MlflowError('PERMISSION_DENIED', `you are not a member of team '${slug}'`);
      return withRole(team);
    }
    if (teams.length === 1) return withRole(teams[0] as (typeof teams)[number]);
    if (teams.length === 0) throw invalidParameter('you belong to no team: a team admin must add you to one first');
    throw invalidParameter(
      `you belong to several teams (${teams.map((t) => t.slug).join(', ')}): name one in the tracking URI, ` +
        `MLFLOW_TRACKING_URI=<orchestrator>/mlflow/<team>, e.g. /mlflow/${teams[0]?.slug}`,
    );
  }

  /**
   * The team's `mlflow` project with its Default experiment, made on a member's first call; null for a viewer
   * of a team where nobody has logged through MLflow yet.
   */
  async project(team: MlflowTeam): Promise<string | null> {
    const found = await this.prisma.project.findUnique({
      where: { teamId_slug: { teamId: team.id, slug: MLFLOW_PROJECT } },
      select: { id: true },
    });
    if (found || !roleAtLeast(team.role, 'member')) return found?.id ?? null;
    const project = await this.prisma.project.upsert({
      where: { teamId_slug: { teamId: team.id, slug: MLFLOW_PROJECT } },
      create: { teamId: team.id, slug: MLFLOW_PROJECT, name: 'MLflow' },
      update: {},
    });
    await this.prisma.experiment.upsert({
      where: { projectId_name: { projectId: project.id, name: DEFAULT_EXPERIMENT_NAME } },
      create: { projectId: project.id, teamId: team.id, name: DEFAULT_EXPERIMENT_NAME },
      update: {},
    });
    return project.id;
  }

  /** The experiment MLflow's `experiment_id` names ("0" is Default); RESOURCE_DOES_NOT_EXIST otherwise. */
  async find(team: MlflowTeam, experimentId: string): Promise<Experiment> {
    const projectId = await this.project(team);
    const missing = doesNotExist(`No Experiment with id=${experimentId} exists`);
    if (!projectId) throw missing;
    const where =
      experimentId === DEFAULT_EXPERIMENT_ID
        ? { projectId_name: { projectId, name: DEFAULT_EXPERIMENT_NAME } }
        : isUuid(experimentId)
          ? { id: experimentId }
          : null;
    if (!where) throw missing;
    const experiment = await this.prisma.experiment.findUnique({ where });
    if (!experiment || experiment.projectId !== projectId) throw missing;
    return experiment;
  }

  async findByName(team: MlflowTeam, name: string): Promise<Experiment> {
    const projectId = await this.project(team);
    const experiment =
      projectId && (await this.prisma.experiment.findUnique({ where: { projectId_name: { projectId, name } } }));
    if (!experiment) throw doesNotExist(`Could not find experiment with name '${name}'`);
    return experiment;
  }

  async create(team: MlflowTeam, name: string): Promise<Experiment> {
    requireMember(team, 'creating an experiment');
    // A member's call makes the project when it is missing.
    const projectId = (await this.project(team)) as string;
    try {
      return await this.prisma.experiment.create({ data: { projectId, teamId: team.id, name } });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') {
        throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
      }
      throw error;
    }
  }

  /** experiments/search: by name, newest first (MLflow's default order: creation_time DESC, experiment_id). */
  async search(
    team: MlflowTeam,
    request: z.output<typeof SearchExperiments>,
  ): Promise<{ experiments: MlflowExperiment[]; next_page_token?: string }> {
    if (request.order_by.length) {
      throw invalidParameter(`order_by ${JSON.stringify(request.order_by)} is not supported for experiments by ResLab`);
    }
    let clauses: ReturnType<typeof parseExperimentFilter>;
    try {
      clauses = parseExperimentFilter(request.filter);
    } catch (error) {
      if (error instanceof SearchSyntaxError) throw invalidParameter(`Invalid filter: ${error.message}`);
      throw error;
    }
    const offset = decodePageToken(request.page_token);
    if (offset === null) throw invalidParameter(`Invalid page token '${request.page_token}'`);
    const projectId = await this.project(team);
    // ResLab deletes nothing softly: no experiment is in MLflow's `deleted` stage.
    if (!projectId || request.view_type === 'DELETED_ONLY') return { experiments: [] };
    const all = (
      await this.prisma.experiment.findMany({ where: { projectId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] })
    ).filter((e) => matchesExperiment(e.name, clauses));
    const page = all.slice(offset, offset + request.max_results);
    const more = offset + request.max_results < all.length;
    return {
      experiments: page.map(toMlflowExperiment),
      ...(more && { next_page_token: encodePageToken(offset + request.max_results) }),
    };
  }
}

/**
 * A write in `team` needs the member role there. The route's guard asks for it in *some* team; a caller who is a
 * member elsewhere but a viewer in the team its URI names is refused here, in MLflow's words.
 */
export function requireMember(team: MlflowTeam, what: string): void {
  if (!roleAtLeast(team.role, 'member')) {
    throw new MlflowError(
      'PERMISSION_DENIED',
      `${what} needs the member role in team '${team.slug}'; yours is ${team.role}`,
    );
  }
}

/** MLflow's id for an experiment: "0" for the Default experiment, its uuid otherwise. */
export function mlflowExperimentId(experiment: Pick<Experiment, 'id' | 'name'>): string {
  return experiment.name === DEFAULT_EXPERIMENT_NAME ? DEFAULT_EXPERIMENT_ID : experiment.id;
}

export function toMlflowExperiment(experiment: Experiment): MlflowExperiment {
  const id = mlflowExperimentId(experiment);
  const created = experiment.createdAt.getTime();
  return {
    experiment_id: id,
    name: experiment.name,
    // Where MLflow's client would put artifacts; ResLab answers those routes with NOT_IMPLEMENTED (docs/mlflow.md).
    artifact_location: `mlflow-artifacts:/${id}`,
    lifecycle_stage: 'active',
    // ResLab keeps no update time for an experiment: its creation stands in.
    last_update_time: created,
    creation_time: created,
    tags: [],
  };
}
