/**
 * The dashboard's one client for the orchestrator's REST API.
 *
 * Every response is parsed with the zod schemas from `@reslab/contracts`, so a
 * page either gets data of the declared shape or an `ApiFailure` that says which
 * URL failed and why. A `Connection` says where the orchestrator is and whose
 * request it is:
 * - on the server, `lib/server-api.ts` builds one from RESLAB_API_URL and the
 *   caller's session cookie, sent as `Authorization: Bearer`;
 * - in the browser, `useApi()` (components/api-url.tsx) builds one from the
 *   browser-side URL that sends the httpOnly session cookie along
 *   (`credentials: 'include'`: the orchestrator is another port of the same host);
 * - on a share page, both send the link's token as Bearer instead.
 */
import {
  ApiError,
  ApiKeyDto,
  ArtifactDto,
  AuditPage,
  type CreateApiKeyRequest,
  CreatedApiKey,
  CreatedShare,
  type CreateShareRequest,
  EpochMetricDto,
  GradFlowDto,
  LoginResponse,
  MemberDto,
  ProjectDto,
  type PutMemberRequest,
  RUN_STATUSES,
  RunDto,
  RunPage,
  type RunStatus,
  ShareDto,
  SweepDetailDto,
  SweepPage,
  SweepPreviewDto,
  type SweepSpecInput,
  TeamDto,
  WhoAmIDto,
  WorkerDto,
} from '@reslab/contracts';

export const DEFAULT_API_URL = 'http://127.0.0.1:4000';
const TIMEOUT_MS = 10_000;

/** Base URL of the orchestrator as the dashboard's server reaches it, without a trailing slash. */
export function apiBaseUrl(): string {
  const raw = process.env.RESLAB_API_URL?.trim() || DEFAULT_API_URL;
  return raw.replace(/\/+$/, '');
}

/** Where the orchestrator is, and the credential a request goes with. */
export interface Connection {
  /** Orchestrator base URL, without a trailing slash. */
  base: string;
  /** Sent as `Authorization: Bearer`: the caller's session (server side) or a share link's token. */
  token?: string;
  /** Browser side: `include` sends the session cookie to the orchestrator on another port of the same host. */
  credentials?: RequestCredentials;
  /**
   * What a 401 (no, expired or revoked credential) does before it is thrown: the server redirects to /login
   * (next/navigation's redirect throws), the browser goes there.
   */
  onUnauthorized?: () => void;
}

/** The structural part of a zod schema this client needs (zod is a dependency of contracts, not of the dashboard). */
interface Schema<T> {
  safeParse(
    input: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

export type ApiFailureKind =
  /** No HTTP answer: connection refused, DNS failure, timeout. */
  | 'unreachable'
  /** An HTTP answer other than 2xx. */
  | 'http'
  /** A 2xx answer whose body is not JSON or does not match the contract. */
  | 'contract';

export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly kind: ApiFailureKind,
    /** The full URL that failed. */
    readonly url: string,
    message: string,
    readonly status?: number,
    /** The orchestrator's error body, when it sent one. */
    readonly body?: Pick<ApiError, 'message' | 'issues'>,
    /** Seconds to wait before asking again, from a 429's or 503's `Retry-After`. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }

  /** Unreachable or 5xx: an outage worth waiting out, as ApiRequestError.retryable in the contracts. */
  get retryable(): boolean {
    return this.kind === 'unreachable' || (this.kind === 'http' && (this.status ?? 0) >= 500);
  }
}

/** The orchestrator's own words for a failure when it sent some, else the whole message. */
export function failureText(err: unknown): string {
  if (err instanceof ApiFailure) return err.body?.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${TIMEOUT_MS / 1000} s`;
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause && typeof cause === 'object') {
      const { code, message } = cause as { code?: unknown; message?: unknown };
      if (typeof code === 'string') return typeof message === 'string' ? `${code}: ${message}` : code;
      if (typeof message === 'string') return message;
    }
    return err.message;
  }
  return String(err);
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function request(
  connection: Connection,
  method: Method,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<{ url: string; response: Response }> {
  const url = `${connection.base}${path}`;
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (connection.token) headers.authorization = `Bearer ${connection.token}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: connection.credentials,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new ApiFailure('unreachable', url, `Could not reach the ResLab API at ${url} (${describeNetworkError(err)})`);
  }
  if (response.status === 401) connection.onUnauthorized?.();
  return { url, response };
}

async function readJson(url: string, response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiFailure(
      'contract',
      url,
      `The API at ${url} answered ${response.status} with a body that is not JSON`,
      response.status,
    );
  }
}

async function httpFailure(url: string, response: Response): Promise<ApiFailure> {
  let body: Pick<ApiError, 'message' | 'issues'> | undefined;
  try {
    const raw: unknown = JSON.parse(await response.text());
    const parsed = ApiError.safeParse(raw);
    if (parsed.success) body = parsed.data;
    else if (raw && typeof raw === 'object' && typeof (raw as { message?: unknown }).message === 'string')
      body = { message: (raw as { message: string }).message };
  } catch {
    // Not JSON: keep the status line only.
  }
  const detail = body ? `: ${body.message}` : response.statusText ? ` ${response.statusText}` : '';
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiFailure(
    'http',
    url,
    `The API at ${url} answered ${response.status}${detail}`,
    response.status,
    body,
    Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined,
  );
}

function parse<T>(url: string, schema: Schema<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  throw new ApiFailure('contract', url, `The API at ${url} answered with data that breaks the contract (${issues})`);
}

async function call<T>(connection: Connection, method: Method, path: string, schema: Schema<T>, body?: unknown) {
  const { url, response } = await request(connection, method, path, body);
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, schema, await readJson(url, response));
}

/** A read of one object: `null` when the orchestrator does not know it (or it belongs to another team). */
async function find<T>(connection: Connection, path: string, schema: Schema<T>): Promise<T | null> {
  const { url, response } = await request(connection, 'GET', path);
  if (response.status === 404) return null;
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, schema, await readJson(url, response));
}

/** A call whose answer has no body (204). */
async function send(connection: Connection, method: Method, path: string, body?: unknown): Promise<void> {
  const { url, response } = await request(connection, method, path, body);
  if (!response.ok) throw await httpFailure(url, response);
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

const MetricList = EpochMetricDto.array();
const GradFlowList = GradFlowDto.array();
const ArtifactList = ArtifactDto.array();
const WorkerList = WorkerDto.array();
const ProjectList = ProjectDto.array();
const KeyList = ApiKeyDto.array();
const TeamList = TeamDto.array();
const MemberList = MemberDto.array();
const ShareList = ShareDto.array();
/** `GET /sweeps/templates`: spec inputs by name, checked again by SweepSpec when used. */
const TemplateMap: Schema<Record<string, SweepSpecInput>> = {
  safeParse: (input) =>
    input !== null && typeof input === 'object' && !Array.isArray(input)
      ? { success: true, data: input as Record<string, SweepSpecInput> }
      : { success: false, error: { issues: [{ path: [], message: 'expected an object of templates' }] } },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a run, sweep or team, so pages answer 404 without asking the API. */
export function isRunId(id: string): boolean {
  return UUID.test(id);
}

/** Which page of a list route: the API answers 100 items unless told otherwise (at most 1000). */
export interface PageOptions {
  limit?: number;
  /** A previous page's `nextCursor`. */
  cursor?: string;
}

export interface ListRunsOptions extends PageOptions {
  status?: RunStatus;
  sweepId?: string;
  workerId?: string;
}

function listQuery(options: object): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** Where the browser downloads an artifact: the API streams the file itself (the session cookie goes along). */
export function artifactDownloadUrl(base: string, id: string): string {
  return `${base}/artifacts/${encodeURIComponent(id)}/download`;
}

/**
 * `POST /auth/login`: trades an e-mail and password for a session token. Called by the dashboard's server
 * (app/login/actions.ts), which puts the token in the httpOnly cookie; `headers` carry the browser's user agent.
 */
export async function login(
  base: string,
  credentials: { email: string; password: string },
  headers: Record<string, string> = {},
): Promise<LoginResponse> {
  const { url, response } = await request({ base }, 'POST', '/auth/login', credentials, headers);
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, LoginResponse, await readJson(url, response));
}

/** Every call the dashboard makes, on one connection. */
export function apiClient(connection: Connection) {
  const c = connection;
  const id = encodeURIComponent;
  return {
    connection,
    // ---- who is asking
    /** `GET /auth/me`: the signed-in user and their teams. */
    me: () => call(c, 'GET', '/auth/me', WhoAmIDto),
    /** `POST /auth/logout`: revokes the session presented. */
    logout: () => send(c, 'POST', '/auth/logout'),

    // ---- runs and sweeps
    /** `GET /runs`: one page, newest first, optionally only runs in one status, sweep or worker. */
    listRuns: (options: ListRunsOptions = {}) => call(c, 'GET', `/runs${listQuery(options)}`, RunPage),
    /** `GET /runs/:id`; `null` for an unknown run (or one the caller may not see), or an id that is not a UUID. */
    getRun: async (runId: string) => (isRunId(runId) ? find(c, `/runs/${id(runId)}`, RunDto) : null),
    /** `GET /runs/:id/metrics`: one row per epoch and split, ordered by epoch then split. */
    listRunMetrics: (runId: string) => call(c, 'GET', `/runs/${id(runId)}/metrics`, MetricList),
    /** `GET /runs/:id/grad-flow`: per-block gradient norms, one entry per epoch (epoch 0 = at initialisation). */
    listRunGradFlow: (runId: string) => call(c, 'GET', `/runs/${id(runId)}/grad-flow`, GradFlowList),
    listRunArtifacts: (runId: string) => call(c, 'GET', `/runs/${id(runId)}/artifacts`, ArtifactList),
    cancelRun: (runId: string) => call(c, 'POST', `/runs/${id(runId)}/cancel`, RunDto, {}),
    retryRun: (runId: string) => call(c, 'POST', `/runs/${id(runId)}/retry`, RunDto, {}),
    /** `GET /sweeps`: one page of sweeps, newest first, with their runs counted by status. */
    listSweeps: (options: PageOptions = {}) => call(c, 'GET', `/sweeps${listQuery(options)}`, SweepPage),
    getSweep: async (sweepId: string) => (isRunId(sweepId) ? find(c, `/sweeps/${id(sweepId)}`, SweepDetailDto) : null),
    cancelSweep: (sweepId: string) => call(c, 'POST', `/sweeps/${id(sweepId)}/cancel`, SweepDetailDto, {}),
    retrySweep: (sweepId: string) => call(c, 'POST', `/sweeps/${id(sweepId)}/retry`, SweepDetailDto, {}),
    /** `GET /sweeps/templates`: named sweep specs, e.g. `degradation`. */
    getSweepTemplates: () => call(c, 'GET', '/sweeps/templates', TemplateMap),
    previewSweep: (spec: SweepSpecInput) => call(c, 'POST', '/sweeps/preview', SweepPreviewDto, spec),
    createSweep: (spec: SweepSpecInput) => call(c, 'POST', '/sweeps', SweepDetailDto, spec),
    listWorkers: () => call(c, 'GET', '/workers', WorkerList),

    // ---- teams, projects, keys
    /** `GET /projects`: every project the caller can see, `path` as "team/project". */
    listProjects: () => call(c, 'GET', '/projects', ProjectList),
    listKeys: () => call(c, 'GET', '/keys', KeyList),
    /** `POST /keys`: the only answer that holds the secret. */
    createKey: (body: CreateApiKeyRequest) => call(c, 'POST', '/keys', CreatedApiKey, body),
    revokeKey: (keyId: string) => call(c, 'DELETE', `/keys/${id(keyId)}`, ApiKeyDto),
    listTeams: () => call(c, 'GET', '/teams', TeamList),
    getTeam: async (teamId: string) => (isRunId(teamId) ? find(c, `/teams/${id(teamId)}`, TeamDto) : null),
    listMembers: (teamId: string) => call(c, 'GET', `/teams/${id(teamId)}/members`, MemberList),
    /** `PUT /teams/:id/members`: adds the user with that e-mail, or changes their role (admin and up). */
    putMember: (teamId: string, body: PutMemberRequest) =>
      call(c, 'PUT', `/teams/${id(teamId)}/members`, MemberDto, body),
    removeMember: (teamId: string, userId: string) => send(c, 'DELETE', `/teams/${id(teamId)}/members/${id(userId)}`),
    /** `GET /teams/:id/audit`: newest first, one page (admin and up). */
    auditPage: (teamId: string, options: PageOptions = {}) =>
      call(c, 'GET', `/teams/${id(teamId)}/audit${listQuery(options)}`, AuditPage),

    // ---- share links
    createShare: (body: CreateShareRequest) => call(c, 'POST', '/shares', CreatedShare, body),
    listShares: () => call(c, 'GET', '/shares', ShareList),
    revokeShare: (shareId: string) => call(c, 'DELETE', `/shares/${id(shareId)}`, ShareDto),
    /** `GET /shares/current` with a share token as the credential: what the link opens. */
    currentShare: () => call(c, 'GET', '/shares/current', ShareDto),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Runs `load`, turning an `ApiFailure` into a value a server component can render. */
export async function settle<T>(load: Promise<T>): Promise<{ ok: true; data: T } | { ok: false; failure: ApiFailure }> {
  try {
    return { ok: true, data: await load };
  } catch (err) {
    if (err instanceof ApiFailure) return { ok: false, failure: err };
    throw err;
  }
}
