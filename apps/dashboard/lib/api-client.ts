/**
 * The dashboard's one client for the orchestrator's REST API, on the contracts'
 * requestJson (libs/contracts api-request.ts), the HTTP client the worker, the
 * CLI and the demo use too; what this file adds is the dashboard's calls and the
 * ApiFailure a page renders.
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
  AnalysisDetailDto,
  AnalysisDto,
  AnalysisList,
  type AnswerOf,
  type AnswerSchema,
  type ApiError,
  ApiKeyDto,
  ApiRequestError,
  ArtifactDto,
  AuditPage,
  type CreateAnalysisRequest,
  type CreateApiKeyRequest,
  CreatedApiKey,
  CreatedShare,
  type CreateShareRequest,
  EpochMetricDto,
  ExternalRunDto,
  ExternalRunPage,
  type ExternalRunsQuery,
  GradFlowDto,
  type ListRunsQuery,
  LoginResponse,
  MemberDto,
  MetricHistoryDto,
  ProjectDto,
  type PutMemberRequest,
  RUN_STATUSES,
  RunCurvesDto,
  RunDto,
  RunPage,
  RunRowPage,
  type RunStatus,
  requestJson,
  ShareDto,
  SweepDetailDto,
  SweepMetricsDto,
  type SweepMetricsQuery,
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

export type ApiFailureKind =
  /** No HTTP answer: connection refused, DNS failure, timeout. */
  | 'unreachable'
  /** An HTTP answer other than 2xx. */
  | 'http'
  /** A 2xx answer whose body is not JSON or does not match the contract. */
  | 'contract';

/** A failed call as a page shows it: what kind of failure, at which URL, in the orchestrator's own words if it sent any. */
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

  /** requestJson's error, with the URL a page names. */
  static from(url: string, error: ApiRequestError): ApiFailure {
    const { answer, retryAfterS } = error.detail;
    const status = error.status ?? undefined;
    if (error.kind === 'unreachable') return new ApiFailure('unreachable', url, error.message);
    if (error.kind === 'contract') {
      const issues = error.issues
        .slice(0, 5)
        .map((i) => `${i.path || '(root)'}: ${i.message}`)
        .join('; ');
      return new ApiFailure(
        'contract',
        url,
        `The API at ${url} answered with data that breaks the contract (${issues})`,
        status,
      );
    }
    const detail = answer ? `: ${answer.message}` : '';
    return new ApiFailure('http', url, `The API at ${url} answered ${status}${detail}`, status, answer, retryAfterS);
  }
}

/**
 * The `failures` catalogue's translator (`useTranslations('failures')`, `getTranslations('failures')` in a server
 * action). ApiFailure's own message stays English, for logs and the error pages' digests.
 */
export type FailureWords = (
  key: 'unreachable' | 'http' | 'contract',
  values?: Record<string, string | number>,
) => string;

/**
 * A failure in the page's language: the orchestrator's own words when it sent some (they name the field or the
 * role in English, as the API and the CLI show them: the catalogue cannot know every one), else what kind of
 * failure at which URL.
 */
export function failureText(t: FailureWords, err: unknown): string {
  if (!(err instanceof ApiFailure)) return err instanceof Error ? err.message : String(err);
  if (err.body?.message) return err.body.message;
  if (err.kind === 'unreachable') return t('unreachable', { url: err.url });
  if (err.kind === 'contract') return t('contract', { url: err.url });
  return t('http', { url: err.url, status: String(err.status ?? '') });
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One call through the contracts' requestJson (the client the worker and the CLI use too), with what the dashboard
 * adds: the connection's credential, no fetch cache, a 401 handed to `onUnauthorized`, and failures as ApiFailure.
 * Without a schema the answer is not read (a 204).
 */
async function request<S extends AnswerSchema>(
  connection: Connection,
  method: Method,
  path: string,
  options: { schema?: S; body?: unknown; headers?: Record<string, string> } = {},
): Promise<AnswerOf<S>> {
  try {
    return await requestJson(connection.base, method, path, {
      ...options,
      token: connection.token,
      credentials: connection.credentials,
      cache: 'no-store',
      timeoutMs: TIMEOUT_MS,
    });
  } catch (error) {
    if (!(error instanceof ApiRequestError)) throw error;
    if (error.status === 401) connection.onUnauthorized?.();
    throw ApiFailure.from(`${connection.base}${path}`, error);
  }
}

function call<S extends AnswerSchema>(connection: Connection, method: Method, path: string, schema: S, body?: unknown) {
  return request(connection, method, path, { schema, body });
}

/** A read of one object: `null` when the orchestrator does not know it (or it belongs to another team). */
async function find<S extends AnswerSchema>(
  connection: Connection,
  path: string,
  schema: S,
): Promise<AnswerOf<S> | null> {
  try {
    return await request(connection, 'GET', path, { schema });
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return null;
    throw error;
  }
}

/** A call whose answer has no body (204). */
async function send(connection: Connection, method: Method, path: string, body?: unknown): Promise<void> {
  await request(connection, method, path, { body });
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

/** `GET /runs` filters and order (the contract's ListRunsQuery); a list filter matches any of its values. */
export type ListRunsOptions = PageOptions & Partial<Omit<ListRunsQuery, 'limit' | 'cursor'>>;

function listQuery(options: object): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) query.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
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
  return request({ base }, 'POST', '/auth/login', { schema: LoginResponse, body: credentials, headers });
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
    /** `GET /runs/rows`: the same page as `listRuns`, each run as the runs list shows it (no config, params, stderr). */
    listRunRows: (options: ListRunsOptions = {}) => call(c, 'GET', `/runs/rows${listQuery(options)}`, RunRowPage),
    /** `GET /runs/curves`: the curves of up to 100 named runs in one answer; runs the caller cannot see are left out. */
    getRunCurves: (ids: string[], options: Partial<SweepMetricsQuery> = {}) =>
      call(c, 'GET', `/runs/curves${listQuery({ ids, ...options })}`, RunCurvesDto),
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
    /** `GET /sweeps/:id/metrics`: every curve of the sweep in one answer, narrowed to the splits and metrics asked. */
    getSweepMetrics: (sweepId: string, options: Partial<SweepMetricsQuery> = {}) =>
      call(c, 'GET', `/sweeps/${id(sweepId)}/metrics${listQuery(options)}`, SweepMetricsDto),
    cancelSweep: (sweepId: string) => call(c, 'POST', `/sweeps/${id(sweepId)}/cancel`, SweepDetailDto, {}),
    retrySweep: (sweepId: string) => call(c, 'POST', `/sweeps/${id(sweepId)}/retry`, SweepDetailDto, {}),
    previewSweep: (spec: SweepSpecInput) => call(c, 'POST', '/sweeps/preview', SweepPreviewDto, spec),
    createSweep: (spec: SweepSpecInput) => call(c, 'POST', '/sweeps', SweepDetailDto, spec),
    listWorkers: () => call(c, 'GET', '/workers', WorkerList),

    // ---- runs logged from scripts: the Python SDK, MLflow's API, a TensorBoard import (issue 12)
    /** `GET /external-runs`: one page, newest first. */
    listExternalRuns: (options: PageOptions & Partial<Omit<ExternalRunsQuery, 'limit' | 'cursor'>> = {}) =>
      call(c, 'GET', `/external-runs${listQuery(options)}`, ExternalRunPage),
    /** `GET /external-runs/:id`; `null` for an unknown run, one the caller may not see, or an engine run's id. */
    getExternalRun: async (runId: string) =>
      isRunId(runId) ? find(c, `/external-runs/${id(runId)}`, ExternalRunDto) : null,
    /** `GET /external-runs/:id/metric-history`: every point of one key, in (step, timestamp) order. */
    getMetricHistory: (runId: string, key: string) =>
      call(c, 'GET', `/external-runs/${id(runId)}/metric-history${listQuery({ key })}`, MetricHistoryDto),

    // ---- analyses of finished runs (issue 11)
    /** `GET /runs/:id/analyses`: the run's analyses with every part stored so far, newest first. */
    listRunAnalyses: (runId: string) => call(c, 'GET', `/runs/${id(runId)}/analyses`, AnalysisList),
    /** `GET /sweeps/:id/analyses`: the analyses of every run of the sweep. */
    listSweepAnalyses: (sweepId: string) => call(c, 'GET', `/sweeps/${id(sweepId)}/analyses`, AnalysisList),
    /** `POST /runs/:id/analyses`: the same kind and params twice is one analysis (failed chunks are requeued). */
    createAnalysis: (runId: string, body: CreateAnalysisRequest) =>
      call(c, 'POST', `/runs/${id(runId)}/analyses`, AnalysisDetailDto, body),
    cancelAnalysis: (analysisId: string) => call(c, 'POST', `/analyses/${id(analysisId)}/cancel`, AnalysisDto, {}),

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
