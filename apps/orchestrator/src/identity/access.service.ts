import { Injectable } from '@nestjs/common';
import { roleAtLeast, type TeamRole } from '@reslab/contracts';
import { z } from 'zod';
import { forbidden, notFound, unauthorized } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { AccessPolicy, ResourceKind } from './access-policy.js';
import type { Principal, SharePrincipal, UserPrincipal } from './principal.js';
import { asSystem } from './request-scope.js';
import type { DataScope } from './team-scope.js';

/** The routes' `:id` pipes validate with z.uuid(); an id they would refuse is left to them (a 400 naming it). */
const ID = z.uuid();
const isId = (id: string | undefined): id is string => id !== undefined && ID.safeParse(id).success;
const NOTHING: DataScope = { read: new Set(), write: new Set(), userId: null, share: null };

/** Where an object lives: its team (null for a shared worker), the sweep and run of a run or artifact, the owner of a key. */
interface Owner {
  teamId: string | null;
  sweepId?: string | null;
  runId?: string;
  userId?: string;
}

/**
 * Decides whether a principal may do what a route's AccessPolicy says, on the
 * object its `:id` names, and which data the rest of the request may touch.
 * Used by the HTTP guard and by the socket gateway alike.
 *
 * An object of a team the caller is not in is a 404, exactly as one that does
 * not exist, so ids cannot be probed; a 403 only says "your role here is too
 * low" about an object the caller can already see.
 */
@Injectable()
export class AccessService {
  constructor(private readonly prisma: PrismaService) {}

  async authorize(
    principal: Principal | null,
    policy: AccessPolicy,
    request: { method: string; id?: string; workerId?: unknown },
  ): Promise<DataScope> {
    if (policy.who === 'public') return NOTHING;
    if (!principal) {
      throw unauthorized('sign in, or send an API key as "Authorization: Bearer rsk_…"');
    }
    if (policy.who === 'worker') {
      if (principal.kind !== 'worker') throw forbidden('this route takes a worker secret only');
      // The worker's own id, in the path (/workers/:id/...) or in the body of a run write.
      const claimed = request.workerId;
      if (claimed !== undefined && claimed !== principal.workerId) {
        throw forbidden('a worker may act only under its own id');
      }
      return this.scopeFor(principal);
    }
    if (principal.kind === 'worker') throw forbidden('a worker secret is accepted on worker routes only');
    if (principal.kind === 'share') return this.authorizeShare(principal, policy, request);
    if (policy.who === 'instanceAdmin') {
      if (!principal.instanceAdmin) throw forbidden('only an instance admin may do this');
      return this.userScope(principal, 'admin');
    }
    const needed: TeamRole = policy.role ?? 'viewer';
    if (policy.resource && isId(request.id)) {
      await this.checkObject(principal, policy.resource, request.id, needed);
    } else if (needed !== 'viewer' && ![...principal.roles.values()].some((r) => roleAtLeast(r, needed))) {
      throw forbidden(`needs the ${needed} role in a team; yours: ${describeRoles(principal)}`);
    }
    return this.userScope(principal, needed);
  }

  /** May `principal` read the run or sweep a socket room is about? */
  async canRead(principal: Principal, kind: 'run' | 'sweep' | 'analysis', id: string): Promise<boolean> {
    try {
      await this.authorize(principal, { who: 'user', resource: kind, share: true }, { method: 'GET', id });
      return true;
    } catch {
      return false;
    }
  }

  scopeFor(principal: Principal): DataScope {
    if (principal.kind === 'user') return this.userScope(principal, 'viewer');
    if (principal.kind === 'share') return { ...NOTHING, share: principal };
    const teams = principal.teamId === null ? 'all' : new Set([principal.teamId]);
    return { read: teams, write: teams, userId: null, share: null };
  }

  private userScope(principal: UserPrincipal, needed: TeamRole): DataScope {
    const read = new Set(principal.roles.keys());
    const write = new Set([...principal.roles].filter(([, role]) => roleAtLeast(role, needed)).map(([team]) => team));
    return { read, write, userId: principal.userId, share: null };
  }

  /**
   * Throws unless `principal` holds `needed` in the team of the object: 404 when it is not in that team (or the
   * object does not exist), 403 when its role there is lower. For routes that name the object in their body.
   */
  async checkObject(principal: UserPrincipal, kind: ResourceKind, id: string, needed: TeamRole): Promise<void> {
    const owner = await this.ownerOf(kind, id);
    if (!owner) throw notFound(`${kind} ${id}`);
    if (kind === 'apiKey' || kind === 'session') {
      if (owner.userId !== principal.userId) throw notFound(`${kind} ${id}`);
      return;
    }
    if (owner.teamId === null) {
      // A shared worker: every user sees it; only an instance admin changes it.
      if (needed !== 'viewer' && !principal.instanceAdmin)
        throw forbidden('only an instance admin manages a shared worker');
      return;
    }
    const role = principal.roles.get(owner.teamId);
    if (!role) throw notFound(`${kind} ${id}`);
    if (!roleAtLeast(role, needed)) throw forbidden(`needs the ${needed} role in this team; yours is ${role}`);
  }

  private async authorizeShare(
    principal: SharePrincipal,
    policy: AccessPolicy,
    request: { method: string; id?: string },
  ): Promise<DataScope> {
    if (policy.who !== 'user' || !policy.share || request.method !== 'GET') {
      throw forbidden('a share link opens only what it shares, read-only');
    }
    if (policy.resource && isId(request.id) && !(await this.shareReaches(principal, policy.resource, request.id))) {
      throw notFound(`${policy.resource} ${request.id}`);
    }
    return this.scopeFor(principal);
  }

  private async shareReaches(principal: SharePrincipal, kind: ResourceKind, id: string): Promise<boolean> {
    if (kind === 'share') return id === principal.linkId;
    if (kind === 'sweep') return principal.sweepId !== null && id === principal.sweepId;
    if (kind !== 'run' && kind !== 'experiment' && kind !== 'artifact' && kind !== 'analysis') return false;
    const owner = await this.ownerOf(kind, id);
    if (!owner || owner.teamId !== principal.teamId) return false;
    if (kind === 'experiment') return true; // the experiment read is narrowed to the shared runs' (team-scope.ts)
    const runId = kind === 'run' ? id : owner.runId;
    return principal.sweepId !== null ? owner.sweepId === principal.sweepId : principal.runIds.includes(runId ?? '');
  }

  /** The owner of an object, read with the orchestrator's own authority; null when it does not exist. */
  private ownerOf(kind: ResourceKind, id: string): Promise<Owner | null> {
    return asSystem(async () => {
      switch (kind) {
        case 'run':
          return this.prisma.run.findUnique({ where: { id }, select: { teamId: true, sweepId: true } });
        case 'sweep':
          return this.prisma.sweep.findUnique({ where: { id }, select: { teamId: true } });
        case 'analysis': {
          // A share link that opens the analysed run opens its analyses.
          const a = await this.prisma.analysis.findUnique({
            where: { id },
            select: { runId: true, run: { select: { teamId: true, sweepId: true } } },
          });
          return a && { teamId: a.run.teamId, sweepId: a.run.sweepId, runId: a.runId };
        }
        case 'experiment':
          return this.prisma.experiment.findUnique({ where: { id }, select: { teamId: true } });
        case 'team': {
          const team = await this.prisma.team.findUnique({ where: { id }, select: { id: true } });
          return team && { teamId: team.id };
        }
        case 'worker':
          return this.prisma.worker.findUnique({ where: { id }, select: { teamId: true } });
        case 'share':
          return this.prisma.shareLink.findUnique({ where: { id }, select: { teamId: true } });
        case 'artifact': {
          const a = await this.prisma.artifact.findUnique({
            where: { id },
            select: { runId: true, run: { select: { teamId: true, sweepId: true } } },
          });
          return a && { teamId: a.run.teamId, sweepId: a.run.sweepId, runId: a.runId };
        }
        case 'apiKey': {
          const key = await this.prisma.apiKey.findUnique({ where: { id }, select: { userId: true } });
          return key && { teamId: null, userId: key.userId };
        }
        case 'session': {
          const session = await this.prisma.session.findUnique({ where: { id }, select: { userId: true } });
          return session && { teamId: null, userId: session.userId };
        }
      }
    });
  }
}

function describeRoles(principal: UserPrincipal): string {
  return principal.roles.size ? [...principal.roles.values()].join(', ') : 'no team';
}
