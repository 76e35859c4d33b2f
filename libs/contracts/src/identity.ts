import { z } from 'zod';
import { WorkerDto } from './api.js';
import { Page } from './page.js';

/**
 * Who is speaking, and what they may do: users, sessions, API keys, teams and
 * their roles, worker credentials, share links and the audit log.
 *
 * Every credential is a random token of 256 bits with a prefix naming its kind
 * (CREDENTIAL_PREFIX). The orchestrator stores only its SHA-256 and the first
 * characters for display. A slow hash (argon2id) is for passwords, which
 * people choose; a 256-bit random token cannot be guessed, so a fast hash
 * loses nothing and keeps every request at one index lookup.
 *
 * How a client presents one: `Authorization: Bearer <token>` on REST, and
 * `auth: { token }` in the socket.io handshake. The dashboard's browser holds
 * its session in the httpOnly cookie SESSION_COOKIE instead.
 */
export const CREDENTIAL_PREFIX = {
  session: 'rsn_',
  apiKey: 'rsk_',
  workerSecret: 'rsw_',
  enrolment: 'rse_',
  shareLink: 'rsl_',
} as const;
export type CredentialKind = keyof typeof CREDENTIAL_PREFIX;

export const SESSION_COOKIE = 'reslab_session';

/** Characters of a token kept in the clear, to tell keys apart in lists: the kind prefix and 8 more. */
export const DISPLAY_PREFIX_LENGTH = 12;

/** Roles within a team, strongest first. */
export const TEAM_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export const TeamRole = z.enum(TEAM_ROLES);
export type TeamRole = z.infer<typeof TeamRole>;

/** True when `role` may do what `needed` may (owner > admin > member > viewer). */
export function roleAtLeast(role: TeamRole, needed: TeamRole): boolean {
  return TEAM_ROLES.indexOf(role) <= TEAM_ROLES.indexOf(needed);
}

const isoTime = z.iso.datetime({ offset: true });
const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63 characters');
/** Free text that a person typed: NUL bytes are refused (Postgres cannot store them in text). */
export const PlainText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL bytes');

export const Email = z
  .string()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'an e-mail address, name@host')
  .transform((s) => s.toLowerCase());

/** NIST SP 800-63B §5.1.1.2: at least 8 characters, no composition rules; 256 bounds argon2's work. */
export const Password = z.string().min(8, 'at least 8 characters').max(256);

// ---- users and sessions -------------------------------------------------------

export const LoginRequest = z.object({ email: Email, password: z.string().min(1).max(256) }).strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const UserDto = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  /** Manages users and shared workers; sees no team's data by this alone. */
  instanceAdmin: z.boolean(),
  createdAt: isoTime,
});
export type UserDto = z.infer<typeof UserDto>;

export const CreateUserRequest = z
  .object({ email: Email, name: PlainText(200), password: Password, instanceAdmin: z.boolean().default(false) })
  .strict();
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const MembershipDto = z.object({ teamId: z.uuid(), slug: z.string(), name: z.string(), role: TeamRole });
export type MembershipDto = z.infer<typeof MembershipDto>;

/** GET /auth/me: the caller as the orchestrator sees it. */
export const WhoAmIDto = z.object({
  user: UserDto,
  teams: z.array(MembershipDto),
  credential: z.object({ kind: z.enum(['session', 'apiKey']), id: z.uuid(), prefix: z.string() }),
});
export type WhoAmIDto = z.infer<typeof WhoAmIDto>;

export const LoginResponse = z.object({
  /** The session token (SESSION_COOKIE is set to it as well); shown once. */
  token: z.string(),
  expiresAt: isoTime,
  me: WhoAmIDto,
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const SessionDto = z.object({
  id: z.uuid(),
  prefix: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime,
  lastSeenAt: isoTime,
  userAgent: z.string().nullable(),
  address: z.string().nullable(),
  revokedAt: isoTime.nullable(),
  current: z.boolean(),
});
export type SessionDto = z.infer<typeof SessionDto>;

// ---- API keys -------------------------------------------------------------------

export const CreateApiKeyRequest = z
  .object({
    name: PlainText(200),
    /** When absent the key lasts until revoked. */
    expiresAt: isoTime.optional(),
  })
  .strict();
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const ApiKeyDto = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
export type ApiKeyDto = z.infer<typeof ApiKeyDto>;

/** The only answer that ever holds the secret. */
export const CreatedApiKey = z.object({ key: ApiKeyDto, secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

// ---- teams and projects ------------------------------------------------------------

export const CreateTeamRequest = z.object({ slug, name: PlainText(200) }).strict();
export type CreateTeamRequest = z.infer<typeof CreateTeamRequest>;

export const TeamDto = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  createdAt: isoTime,
  /** The caller's role in it. */
  role: TeamRole,
});
export type TeamDto = z.infer<typeof TeamDto>;

export const MemberDto = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: TeamRole,
  since: isoTime,
});
export type MemberDto = z.infer<typeof MemberDto>;

/** Adds a user (by e-mail) to the team, or changes their role. Only an owner grants `owner`. */
export const PutMemberRequest = z.object({ email: Email, role: TeamRole }).strict();
export type PutMemberRequest = z.infer<typeof PutMemberRequest>;

export const CreateProjectRequest = z.object({ slug, name: PlainText(200).optional() }).strict();
export type CreateProjectRequest = z.infer<typeof CreateProjectRequest>;

export const ProjectDto = z.object({
  id: z.uuid(),
  teamId: z.uuid(),
  /** `team/project`, the form run and sweep requests name it by. */
  path: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: isoTime,
});
export type ProjectDto = z.infer<typeof ProjectDto>;

// ---- workers ---------------------------------------------------------------------

export const CreateEnrolmentTokenRequest = z
  .object({
    /** The team the worker will serve; null enrols a worker shared by every team (instance admins only). */
    teamId: z.uuid().nullable(),
    /** Minutes the token stays usable; it works once. */
    expiresInMinutes: z
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(60),
  })
  .strict();
export type CreateEnrolmentTokenRequest = z.infer<typeof CreateEnrolmentTokenRequest>;

export const EnrolmentTokenDto = z.object({ token: z.string(), teamId: z.uuid().nullable(), expiresAt: isoTime });
export type EnrolmentTokenDto = z.infer<typeof EnrolmentTokenDto>;

/** POST /workers/enrol: an enrolment token traded once for a worker identity and its secret. */
export const EnrolWorkerRequest = z
  .object({
    enrolmentToken: z.string().startsWith(CREDENTIAL_PREFIX.enrolment).max(100),
    name: PlainText(200),
    host: PlainText(255),
    slots: z.int().min(1).max(1024),
  })
  .strict();
export type EnrolWorkerRequest = z.infer<typeof EnrolWorkerRequest>;

export const EnrolWorkerResponse = z.object({
  worker: WorkerDto,
  /** The worker's credential (CREDENTIAL_PREFIX.workerSecret); shown once, kept by the worker in a 0600 file. */
  secret: z.string(),
});
export type EnrolWorkerResponse = z.infer<typeof EnrolWorkerResponse>;

// ---- share links -----------------------------------------------------------------

export const SHARE_KINDS = ['run', 'sweep', 'comparison'] as const;

export const CreateShareRequest = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('run'), runId: z.uuid(), expiresAt: isoTime.optional() }).strict(),
    z.object({ kind: z.literal('sweep'), sweepId: z.uuid(), expiresAt: isoTime.optional() }).strict(),
    z
      .object({
        kind: z.literal('comparison'),
        runIds: z.array(z.uuid()).min(2).max(20),
        expiresAt: isoTime.optional(),
      })
      .strict(),
  ])
  .describe('What to share read-only: a run, a sweep, or a comparison of runs');
export type CreateShareRequest = z.infer<typeof CreateShareRequest>;

export const ShareDto = z.object({
  id: z.uuid(),
  teamId: z.uuid(),
  kind: z.enum(SHARE_KINDS),
  /** The run ids a link opens: the run, the sweep's runs, or the compared runs. */
  runIds: z.array(z.uuid()),
  sweepId: z.uuid().nullable(),
  prefix: z.string(),
  createdAt: isoTime,
  /** The creator's e-mail, for the team; null when read through the link itself, which names no one. */
  createdBy: z.string().nullable(),
  expiresAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
export type ShareDto = z.infer<typeof ShareDto>;

export const CreatedShare = z.object({
  share: ShareDto,
  token: z.string(),
  /** The dashboard path that opens it: /s/<token>. */
  path: z.string(),
});
export type CreatedShare = z.infer<typeof CreatedShare>;

// ---- audit -----------------------------------------------------------------------

export const AUDIT_ACTIONS = [
  'run.create',
  'external_run.create',
  'external_run.end',
  'external_run.resume',
  'external_run.delete',
  'analysis.create',
  'analysis.cancel',
  'run.cancel',
  'run.retry',
  'sweep.create',
  'sweep.cancel',
  'sweep.retry',
  'team.create',
  'team.delete',
  'member.put',
  'member.remove',
  'project.create',
  'key.create',
  'key.revoke',
  'share.create',
  'share.revoke',
  'worker.enrolment_token',
  'worker.enrol',
  'worker.revoke',
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);

export const AuditEntryDto = z.object({
  id: z.string(),
  at: isoTime,
  action: AuditAction,
  targetType: z.string(),
  targetId: z.string().nullable(),
  /** The user who acted (null for a worker); e-mail at the time of the action. */
  actor: z.object({ userId: z.uuid().nullable(), email: z.string().nullable() }),
  /** The credential it came through: session or apiKey, with its display prefix. */
  via: z.object({ kind: z.string(), prefix: z.string() }),
  address: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntryDto = z.infer<typeof AuditEntryDto>;

export const AuditPage = Page(AuditEntryDto);
export type AuditPage = z.infer<typeof AuditPage>;
