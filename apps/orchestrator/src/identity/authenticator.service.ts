import { Injectable } from '@nestjs/common';
import { SESSION_COOKIE, type TeamRole } from '@reslab/contracts';
import { parse as parseCookie } from 'cookie';
import { unauthorized } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { displayPrefix, hashToken, kindOf } from './credential-token.js';
import type { Principal, UserPrincipal } from './principal.js';
import { type CachedCredential, PrincipalCache } from './principal-cache.js';
import { asSystem } from './request-scope.js';

/** How a request or socket handshake presented itself. */
export interface Presented {
  authorization?: string | string[] | undefined;
  cookie?: string | string[] | undefined;
  /** socket.io's `auth: { token }`. */
  token?: unknown;
  address: string | null;
}

/** lastUsedAt / lastSeenAt are written at most this often per credential, so reads do not all become writes (ms). */
const TOUCH_EVERY_MS = 60_000;

/** Turns a presented credential into a Principal, or a 401 that says what was wrong with it. */
@Injectable()
export class AuthenticatorService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: PrincipalCache,
  ) {}

  /** The token a request presents: `Authorization: Bearer`, socket `auth.token`, or the session cookie. */
  static tokenOf(presented: Presented): string | null {
    const header = Array.isArray(presented.authorization) ? presented.authorization[0] : presented.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw unauthorized('Authorization must be "Bearer <token>"');
      return match[1];
    }
    if (typeof presented.token === 'string' && presented.token) return presented.token;
    const cookie = Array.isArray(presented.cookie) ? presented.cookie.join('; ') : presented.cookie;
    if (cookie) return parseCookie(cookie)[SESSION_COOKIE] ?? null;
    return null;
  }

  /** null when nothing was presented; throws 401 for a credential that is unknown, expired or revoked. */
  async authenticate(presented: Presented): Promise<Principal | null> {
    const token = AuthenticatorService.tokenOf(presented);
    if (!token) return null;
    return asSystem(() => this.resolve(token, presented.address));
  }

  private async resolve(token: string, address: string | null): Promise<Principal> {
    const tokenHash = hashToken(token);
    const now = new Date();
    const kind = kindOf(token);
    switch (kind) {
      case 'session':
      case 'apiKey':
        return this.userPrincipal(tokenHash, kind, address);
      case 'workerSecret': {
        const worker = await this.prisma.worker.findUnique({ where: { secretHash: tokenHash } });
        if (!worker || worker.revokedAt)
          throw unauthorized('worker credential revoked or unknown: enrol the worker again');
        return {
          kind: 'worker',
          workerId: worker.id,
          teamId: worker.teamId,
          credential: { kind: 'workerSecret', id: worker.id, prefix: displayPrefix(token) },
          address,
        };
      }
      case 'shareLink': {
        const link = await this.prisma.shareLink.findUnique({ where: { tokenHash } });
        if (!link || link.revokedAt) throw unauthorized('this link was revoked or does not exist');
        if (link.expiresAt && link.expiresAt <= now) throw unauthorized('this link has expired');
        return {
          kind: 'share',
          linkId: link.id,
          teamId: link.teamId,
          sweepId: link.sweepId,
          runIds: link.runIds,
          credential: { kind: 'shareLink', id: link.id, prefix: link.prefix },
          address,
        };
      }
      case 'enrolment':
        throw unauthorized('an enrolment token is traded at POST /workers/enrol, not sent as a credential');
      default:
        throw unauthorized(
          'unknown credential: expected a session, an API key (rsk_…), a worker secret or a share link',
        );
    }
  }

  /** A session or API key: from the cache when it holds the credential, else one lookup that fills it. */
  private async userPrincipal(
    tokenHash: string,
    kind: CachedCredential['kind'],
    address: string | null,
  ): Promise<UserPrincipal> {
    const now = new Date();
    const credential = this.cache.get(tokenHash) ?? (await this.lookUp(tokenHash, kind));
    if (credential.expiresAt && credential.expiresAt <= now) {
      throw unauthorized(
        kind === 'session' ? 'session expired: sign in again' : `API key ${credential.prefix}… expired`,
      );
    }
    if (!credential.touchedAt || now.getTime() - credential.touchedAt.getTime() > TOUCH_EVERY_MS) {
      credential.touchedAt = now;
      if (kind === 'session') {
        await this.prisma.session.update({ where: { id: credential.id }, data: { lastSeenAt: now } });
      } else {
        await this.prisma.apiKey.update({ where: { id: credential.id }, data: { lastUsedAt: now } });
      }
    }
    const { user } = credential;
    return {
      kind: 'user',
      userId: user.id,
      email: user.email,
      instanceAdmin: user.instanceAdmin,
      roles: user.roles,
      credential: { kind, id: credential.id, prefix: credential.prefix },
      address,
    };
  }

  /** The credential with its user and the user's memberships in one findUnique; cached unless it was refused. */
  private async lookUp(tokenHash: string, kind: CachedCredential['kind']): Promise<CachedCredential> {
    const lookupStartedAt = this.cache.startLookup();
    const withUser = { user: { include: { memberships: { select: { teamId: true, role: true } } } } };
    const row =
      kind === 'session'
        ? await this.prisma.session.findUnique({ where: { tokenHash }, include: withUser })
        : await this.prisma.apiKey.findUnique({ where: { tokenHash }, include: withUser });
    if (!row || row.revokedAt) {
      throw unauthorized(
        kind === 'session'
          ? 'session signed out or unknown: sign in again'
          : 'API key revoked or unknown: run `reslab login`',
      );
    }
    const credential: CachedCredential = {
      kind,
      id: row.id,
      prefix: row.prefix,
      expiresAt: row.expiresAt,
      touchedAt: 'lastSeenAt' in row ? row.lastSeenAt : row.lastUsedAt,
      user: {
        id: row.user.id,
        email: row.user.email,
        instanceAdmin: row.user.instanceAdmin,
        roles: new Map(row.user.memberships.map((m) => [m.teamId, m.role as TeamRole])),
      },
    };
    this.cache.remember(tokenHash, credential, lookupStartedAt);
    return credential;
  }
}
