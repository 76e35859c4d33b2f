import { Injectable } from '@nestjs/common';
import type {
  CreateProjectRequest,
  CreateTeamRequest,
  MemberDto,
  ProjectDto,
  PutMemberRequest,
  TeamDto,
  TeamRole,
} from '@reslab/contracts';
import { AuditService } from '../audit/audit.service.js';
import { conflict, forbidden, invalidField, notFound } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Project, Team } from '../generated/prisma/client.js';
import { CredentialRevocations } from '../identity/credential-revocations.js';
import type { UserPrincipal } from '../identity/principal.js';
import { asSystem } from '../identity/request-scope.js';

/** Teams, their members with roles, and their projects. */
@Injectable()
export class TeamsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly revocations: CredentialRevocations,
  ) {}

  /** Any user may start a team; they become its owner, and it gets a project `default`. */
  async create(user: UserPrincipal, request: CreateTeamRequest): Promise<TeamDto> {
    // The caller is not in the team yet, so the scope could not admit it: created as the system.
    const team = await asSystem(() =>
      this.prisma.$transaction(async (tx) => {
        if (await tx.team.findUnique({ where: { slug: request.slug } })) throw conflict(`team ${request.slug} exists`);
        const team = await tx.team.create({ data: { slug: request.slug, name: request.name } });
        await tx.membership.create({ data: { teamId: team.id, userId: user.userId, role: 'owner' } });
        await tx.project.create({ data: { teamId: team.id, slug: 'default', name: 'default' } });
        return team;
      }),
    );
    this.revocations.userChanged(user.userId);
    await this.audit.record('team.create', { type: 'team', id: team.id, teamId: team.id }, { slug: team.slug });
    return toTeamDto(team, 'owner');
  }

  async list(user: UserPrincipal): Promise<TeamDto[]> {
    const teams = await this.prisma.team.findMany({ orderBy: { slug: 'asc' } });
    return teams.map((t) => toTeamDto(t, user.roles.get(t.id) ?? 'viewer'));
  }

  async get(user: UserPrincipal, id: string): Promise<TeamDto> {
    const team = await this.prisma.team.findUnique({ where: { id } });
    if (!team) throw notFound(`team ${id}`);
    return toTeamDto(team, user.roles.get(team.id) ?? 'viewer');
  }

  /** Deletes the team and everything in it: projects, experiments, sweeps, runs with their metrics, links, audit. */
  async delete(id: string): Promise<void> {
    await this.audit.record('team.delete', { type: 'team', id, teamId: null });
    const members = await this.prisma.membership.findMany({ where: { teamId: id }, select: { userId: true } });
    await this.prisma.$transaction(async (tx) => {
      // Projects and experiments are Restrict-deleted (nothing vanishes by accident); runs and sweeps cascade from experiments.
      await tx.experiment.deleteMany({ where: { teamId: id } });
      await tx.project.deleteMany({ where: { teamId: id } });
      await tx.enrolmentToken.deleteMany({ where: { teamId: id } });
      await tx.team.delete({ where: { id } });
    });
    // Their memberships went with the team (cascade).
    for (const { userId } of members) this.revocations.userChanged(userId);
  }

  async members(teamId: string): Promise<MemberDto[]> {
    const rows = await this.prisma.membership.findMany({
      where: { teamId },
      include: { user: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((m) => ({
      userId: m.userId,
      email: m.user.email,
      name: m.user.name,
      role: m.role as TeamRole,
      since: m.createdAt.toISOString(),
    }));
  }

  /** Adds a member or changes a role. Only an owner grants or takes away `owner`; the last owner stays. */
  async putMember(caller: UserPrincipal, teamId: string, request: PutMemberRequest): Promise<MemberDto> {
    const callerRole = caller.roles.get(teamId);
    const user = await asSystem(() => this.prisma.user.findUnique({ where: { email: request.email } }));
    if (!user) {
      const message = `no user with e-mail ${request.email}: an instance admin creates accounts (POST /users)`;
      throw invalidField('email', message);
    }
    const current = await this.prisma.membership.findUnique({ where: { teamId_userId: { teamId, userId: user.id } } });
    if ((request.role === 'owner' || current?.role === 'owner') && callerRole !== 'owner') {
      throw forbidden('only an owner grants or changes the owner role');
    }
    if (current?.role === 'owner' && request.role !== 'owner') await this.keepAnOwner(teamId, user.id);
    const m = await this.prisma.membership.upsert({
      where: { teamId_userId: { teamId, userId: user.id } },
      create: { teamId, userId: user.id, role: request.role },
      update: { role: request.role },
    });
    this.revocations.userChanged(user.id);
    await this.audit.record(
      'member.put',
      { type: 'user', id: user.id, teamId },
      { email: user.email, role: request.role },
    );
    return {
      userId: user.id,
      email: user.email,
      name: user.name,
      role: m.role as TeamRole,
      since: m.createdAt.toISOString(),
    };
  }

  async removeMember(caller: UserPrincipal, teamId: string, userId: string): Promise<void> {
    const current = await this.prisma.membership.findUnique({ where: { teamId_userId: { teamId, userId } } });
    if (!current) throw notFound(`user ${userId}`, 'is not a member');
    if (current.role === 'owner') {
      if (caller.roles.get(teamId) !== 'owner') {
        throw forbidden('only an owner removes an owner');
      }
      await this.keepAnOwner(teamId, userId);
    }
    await this.prisma.membership.delete({ where: { teamId_userId: { teamId, userId } } });
    this.revocations.userChanged(userId);
    await this.audit.record('member.remove', { type: 'user', id: userId, teamId });
  }

  private async keepAnOwner(teamId: string, leaving: string): Promise<void> {
    const owners = await this.prisma.membership.count({ where: { teamId, role: 'owner', userId: { not: leaving } } });
    if (owners === 0) throw conflict('a team keeps at least one owner: make someone else owner first');
  }

  async projects(): Promise<ProjectDto[]> {
    const rows = await this.prisma.project.findMany({ include: { team: true }, orderBy: { createdAt: 'asc' } });
    return rows.map(toProjectDto);
  }

  async createProject(teamId: string, request: CreateProjectRequest): Promise<ProjectDto> {
    if (await this.prisma.project.findUnique({ where: { teamId_slug: { teamId, slug: request.slug } } })) {
      throw conflict(`project ${request.slug} exists in this team`);
    }
    const project = await this.prisma.project.create({
      data: { teamId, slug: request.slug, name: request.name ?? request.slug },
      include: { team: true },
    });
    await this.audit.record('project.create', { type: 'project', id: project.id, teamId }, { slug: project.slug });
    return toProjectDto(project);
  }
}

function toTeamDto(team: Team, role: TeamRole): TeamDto {
  return { id: team.id, slug: team.slug, name: team.name, createdAt: team.createdAt.toISOString(), role };
}

function toProjectDto(p: Project & { team: Team }): ProjectDto {
  return {
    id: p.id,
    teamId: p.teamId,
    path: `${p.team.slug}/${p.slug}`,
    slug: p.slug,
    name: p.name,
    createdAt: p.createdAt.toISOString(),
  };
}
