import { Injectable } from '@nestjs/common';
import type { CreatedShare, CreateShareRequest, ShareDto } from '@reslab/contracts';
import { AuditService } from '../audit/audit.service.js';
import { notFound } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { ShareLink } from '../generated/prisma/client.js';
import { CredentialRevocations } from '../identity/credential-revocations.js';
import { displayPrefix, hashToken, newToken } from '../identity/credential-token.js';
import type { SharePrincipal, UserPrincipal } from '../identity/principal.js';
import { asSystem, writableTeams } from '../identity/request-scope.js';

/** Read-only links to a run, a sweep or a comparison: 256-bit tokens, revocable, optionally expiring. */
@Injectable()
export class SharesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly revocations: CredentialRevocations,
  ) {}

  async create(user: UserPrincipal, request: CreateShareRequest): Promise<CreatedShare> {
    const { teamId, sweepId, runIds } = await this.target(request);
    const token = newToken('shareLink');
    const link = await this.prisma.shareLink.create({
      data: {
        teamId,
        kind: request.kind,
        sweepId,
        runIds,
        tokenHash: hashToken(token),
        prefix: displayPrefix(token),
        createdById: user.userId,
        expiresAt: request.expiresAt ? new Date(request.expiresAt) : null,
      },
    });
    await this.audit.record(
      'share.create',
      { type: 'share', id: link.id, teamId },
      { kind: link.kind, sweepId, runIds },
    );
    return { share: await this.toDto(link), token, path: `/s/${token}` };
  }

  /** The team and objects a request names, all readable by the caller and in one team they may write to. */
  private async target(
    request: CreateShareRequest,
  ): Promise<{ teamId: string; sweepId: string | null; runIds: string[] }> {
    const writable = writableTeams();
    const mayWrite = (teamId: string) => writable === 'all' || writable.has(teamId);
    if (request.kind === 'sweep') {
      const sweep = await this.prisma.sweep.findUnique({ where: { id: request.sweepId } });
      if (!sweep || !mayWrite(sweep.teamId)) throw notFound(`sweep ${request.sweepId}`);
      return { teamId: sweep.teamId, sweepId: sweep.id, runIds: [] };
    }
    const ids = request.kind === 'run' ? [request.runId] : [...new Set(request.runIds)];
    const runs = await this.prisma.run.findMany({ where: { id: { in: ids } }, select: { id: true, teamId: true } });
    for (const id of ids) {
      const run = runs.find((r) => r.id === id);
      if (!run || !mayWrite(run.teamId)) throw notFound(`run ${id}`);
    }
    const teams = new Set(runs.map((r) => r.teamId));
    if (teams.size !== 1) throw notFound(`runs ${ids.join(', ')} in one team`);
    return { teamId: runs[0]?.teamId as string, sweepId: null, runIds: ids };
  }

  async list(): Promise<ShareDto[]> {
    return this.toDtos(await this.prisma.shareLink.findMany({ orderBy: { createdAt: 'desc' }, take: 1000 }));
  }

  /**
   * The link itself is not among what a link may read (its scope is runs and a sweep): read as the system.
   * It names no one: a viewer without an account learns nothing of the team's people.
   */
  current(principal: SharePrincipal): Promise<ShareDto> {
    return asSystem(async () =>
      this.toDto(await this.prisma.shareLink.findUniqueOrThrow({ where: { id: principal.linkId } }), {
        namesCreator: false,
      }),
    );
  }

  async revoke(id: string): Promise<ShareDto> {
    const link = await this.prisma.shareLink.findUnique({ where: { id } });
    if (!link) throw notFound(`share ${id}`);
    const revoked = link.revokedAt
      ? link
      : await this.prisma.shareLink.update({ where: { id }, data: { revokedAt: new Date() } });
    this.revocations.credentialRevoked(id);
    await this.audit.record('share.revoke', { type: 'share', id, teamId: link.teamId }, { prefix: link.prefix });
    return this.toDto(revoked);
  }

  private async toDto(link: ShareLink, options?: { namesCreator: boolean }): Promise<ShareDto> {
    return (await this.toDtos([link], options))[0] as ShareDto;
  }

  /** Two queries for any number of links: the runs of their sweeps, and their creators (unless `namesCreator` is false). */
  private async toDtos(links: ShareLink[], { namesCreator = true } = {}): Promise<ShareDto[]> {
    const sweepIds = [...new Set(links.flatMap((l) => (l.sweepId ? [l.sweepId] : [])))];
    const sweepRuns = sweepIds.length
      ? await this.prisma.run.findMany({
          where: { sweepId: { in: sweepIds } },
          select: { id: true, sweepId: true },
          orderBy: { name: 'asc' },
        })
      : [];
    const creators = namesCreator
      ? await this.prisma.user.findMany({
          where: { id: { in: [...new Set(links.map((l) => l.createdById))] } },
          select: { id: true, email: true },
        })
      : [];
    const emailOf = new Map(creators.map((u) => [u.id, u.email]));
    return links.map((link) => ({
      id: link.id,
      teamId: link.teamId,
      kind: link.kind,
      runIds: link.sweepId ? sweepRuns.filter((r) => r.sweepId === link.sweepId).map((r) => r.id) : link.runIds,
      sweepId: link.sweepId,
      prefix: link.prefix,
      createdAt: link.createdAt.toISOString(),
      createdBy: namesCreator ? (emailOf.get(link.createdById) ?? 'a former member') : null,
      expiresAt: link.expiresAt?.toISOString() ?? null,
      revokedAt: link.revokedAt?.toISOString() ?? null,
    }));
  }
}
