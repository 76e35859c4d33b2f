import { Inject, Injectable } from '@nestjs/common';
import type {
  ApiKeyDto,
  CreateApiKeyRequest,
  CreatedApiKey,
  CreateUserRequest,
  SessionDto,
  TeamRole,
  UserDto,
  WhoAmIDto,
} from '@reslab/contracts';
import { AuditService } from '../audit/audit.service.js';
import { conflict, notFound, unauthorized } from '../common/api-errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';
import type { ApiKey, Session, User } from '../generated/prisma/client.js';
import { CredentialRevocations } from '../identity/credential-revocations.js';
import { displayPrefix, hashToken, newToken } from '../identity/credential-token.js';
import { decoyHash, hashPassword, verifyPassword } from '../identity/passwords.js';
import type { UserPrincipal } from '../identity/principal.js';
import { asSystem } from '../identity/request-scope.js';
import { logger } from '../logger.js';
import { LoginLimiter } from './login-limiter.js';

const WRONG = 'wrong e-mail or password';

/** People and the credentials they hold: sign-in sessions and API keys. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly revocations: CredentialRevocations,
    private readonly limiter: LoginLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * First start: with RESLAB_ADMIN_EMAIL set and no user yet, creates the instance admin and a team
   * `demo` (project `default`) that it owns, so `make demo` needs nothing by hand. Idempotent.
   */
  async bootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    await asSystem(async () => {
      if ((await this.prisma.user.count()) > 0) return;
      const passwordHash = await hashPassword(admin.password);
      await this.prisma.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { email: admin.email, name: 'Administrator', passwordHash, instanceAdmin: true },
        });
        const team = await tx.team.upsert({
          where: { slug: 'demo' },
          create: { slug: 'demo', name: 'Demo' },
          update: {},
        });
        await tx.project.upsert({
          where: { teamId_slug: { teamId: team.id, slug: 'default' } },
          create: { teamId: team.id, slug: 'default', name: 'default' },
          update: {},
        });
        await tx.membership.create({ data: { teamId: team.id, userId: user.id, role: 'owner' } });
      });
      logger.info({ email: admin.email }, 'created the instance admin and team demo');
    });
  }

  async login(
    email: string,
    password: string,
    client: { address: string; userAgent: string | null },
  ): Promise<{ token: string; session: Session; me: WhoAmIDto }> {
    await this.limiter.check(email, client.address);
    const user = await asSystem(() => this.prisma.user.findUnique({ where: { email } }));
    // Verify against a decoy when there is no such user, so the answer takes as long either way.
    const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
    if (!user || !ok) {
      await this.limiter.recordFailure(email, client.address);
      throw unauthorized(WRONG);
    }
    await this.limiter.recordSuccess(email);
    const token = newToken('session');
    const session = await asSystem(() =>
      this.prisma.session.create({
        data: {
          userId: user.id,
          tokenHash: hashToken(token),
          prefix: displayPrefix(token),
          expiresAt: new Date(Date.now() + this.config.sessionHours * 3600_000),
          userAgent: client.userAgent?.slice(0, 300) ?? null,
          address: client.address.slice(0, 64),
        },
      }),
    );
    // POST /auth/login is public: its request scope reads nothing, so the new user's view is read as the system.
    const credential = { kind: 'session' as const, id: session.id, prefix: session.prefix };
    return { token, session, me: await asSystem(() => this.whoAmI(user.id, credential)) };
  }

  async whoAmI(userId: string, credential: UserPrincipal['credential']): Promise<WhoAmIDto> {
    const user = await this.prisma.user.findUniqueOrThrow({
      where: { id: userId },
      include: { memberships: { include: { team: true }, orderBy: { createdAt: 'asc' } } },
    });
    return {
      user: toUserDto(user),
      teams: user.memberships.map((m) => ({
        teamId: m.teamId,
        slug: m.team.slug,
        name: m.team.name,
        role: m.role as TeamRole,
      })),
      credential,
    };
  }

  async sessions(principal: UserPrincipal): Promise<SessionDto[]> {
    const rows = await this.prisma.session.findMany({
      where: { userId: principal.userId, revokedAt: null, expiresAt: { gt: new Date() } },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map((s) => toSessionDto(s, principal));
  }

  async revokeSession(id: string): Promise<void> {
    const { count } = await this.prisma.session.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count) this.revocations.credentialRevoked(id);
  }

  async createUser(request: CreateUserRequest): Promise<UserDto> {
    const passwordHash = await hashPassword(request.password);
    try {
      const user = await asSystem(() =>
        this.prisma.user.create({
          data: { email: request.email, name: request.name, passwordHash, instanceAdmin: request.instanceAdmin },
        }),
      );
      return toUserDto(user);
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') {
        throw conflict(`a user with e-mail ${request.email} exists`);
      }
      throw error;
    }
  }

  async users(): Promise<UserDto[]> {
    return (await asSystem(() => this.prisma.user.findMany({ orderBy: { createdAt: 'asc' } }))).map(toUserDto);
  }

  async createKey(principal: UserPrincipal, request: CreateApiKeyRequest): Promise<CreatedApiKey> {
    const secret = newToken('apiKey');
    const key = await this.prisma.apiKey.create({
      data: {
        userId: principal.userId,
        name: request.name,
        tokenHash: hashToken(secret),
        prefix: displayPrefix(secret),
        expiresAt: request.expiresAt ? new Date(request.expiresAt) : null,
      },
    });
    await this.audit.record(
      'key.create',
      { type: 'apiKey', id: key.id, teamId: null },
      { name: key.name, prefix: key.prefix },
    );
    return { key: toApiKeyDto(key), secret };
  }

  async keys(principal: UserPrincipal): Promise<ApiKeyDto[]> {
    const rows = await this.prisma.apiKey.findMany({
      where: { userId: principal.userId },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map(toApiKeyDto);
  }

  async revokeKey(id: string): Promise<ApiKeyDto> {
    const key = await this.prisma.apiKey.findUnique({ where: { id } });
    if (!key) throw notFound(`apiKey ${id}`);
    const revoked = key.revokedAt
      ? key
      : await this.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
    this.revocations.credentialRevoked(id);
    await this.audit.record('key.revoke', { type: 'apiKey', id, teamId: null }, { prefix: key.prefix });
    return toApiKeyDto(revoked);
  }
}

export function toUserDto(user: User): UserDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    instanceAdmin: user.instanceAdmin,
    createdAt: user.createdAt.toISOString(),
  };
}

function toSessionDto(s: Session, principal: UserPrincipal): SessionDto {
  return {
    id: s.id,
    prefix: s.prefix,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    userAgent: s.userAgent,
    address: s.address,
    revokedAt: s.revokedAt?.toISOString() ?? null,
    current: principal.credential.kind === 'session' && principal.credential.id === s.id,
  };
}

function toApiKeyDto(k: ApiKey): ApiKeyDto {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}
