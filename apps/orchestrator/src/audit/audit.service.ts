import { Injectable } from '@nestjs/common';
import type { AuditEntryDto, AuditPage } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import type { AuditEntry } from '../generated/prisma/client.js';
import { asSystem, currentScope } from '../identity/request-scope.js';

export interface AuditTarget {
  type: string;
  id: string | null;
  /** The team the action belongs to; null for instance-wide ones. */
  teamId: string | null;
}

/** Who did what, when, through which credential: one row per action, kept in Postgres, read per team. */
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  /** Records `action` for the principal of the current request. */
  async record(
    action: AuditEntryDto['action'],
    target: AuditTarget,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    const principal = currentScope()?.principal ?? null;
    const actor =
      principal?.kind === 'user'
        ? { actorUserId: principal.userId, actorEmail: principal.email }
        : { actorUserId: null, actorEmail: null };
    // The caller may lack write access to the audit table itself (a member cancelling a run): the log is the system's.
    await asSystem(() =>
      this.prisma.auditEntry.create({
        data: {
          teamId: target.teamId,
          action,
          targetType: target.type,
          targetId: target.id,
          ...actor,
          credentialKind: principal?.credential.kind ?? 'none',
          credentialPrefix: principal?.credential.prefix ?? '',
          address: principal?.address ?? null,
          detail: detail as object,
        },
      }),
    );
  }

  /**
   * Newest first, a page at a time. Entries are only ever appended, so the id alone orders them and
   * the cursor is the last id served (base64url, opaque to clients, as the other list routes').
   */
  async page(teamId: string, page: { limit: number; cursor?: string }): Promise<AuditPage> {
    const before = page.cursor === undefined ? undefined : decodeAuditCursor(page.cursor);
    const rows = await this.prisma.auditEntry.findMany({
      where: { teamId, ...(before === undefined ? {} : { id: { lt: before } }) },
      orderBy: { id: 'desc' },
      take: page.limit + 1,
    });
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map(toAuditEntryDto),
      nextCursor: rows.length > page.limit && last ? Buffer.from(String(last.id)).toString('base64url') : null,
    };
  }
}

function toAuditEntryDto(row: AuditEntry): AuditEntryDto {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    action: row.action as AuditEntryDto['action'],
    targetType: row.targetType,
    targetId: row.targetId,
    actor: { userId: row.actorUserId, email: row.actorEmail },
    via: { kind: row.credentialKind, prefix: row.credentialPrefix },
    address: row.address,
    detail: row.detail as Record<string, unknown>,
  };
}

/** The id a cursor carries; a cursor that is not one of ours starts from the newest entry. */
export function decodeAuditCursor(cursor: string): bigint | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[0-9]{1,19}$/.test(text) ? BigInt(text) : undefined;
}
