/**
 * The CLI's calls to the orchestrator, on the contracts' requestJson (libs/contracts api-request.ts), the one HTTP
 * client the worker, the demo and the dashboard use too. What this file adds is the CLI's own: its credential, the
 * socket for `follow`, riding out an outage on reads, and errors that say which flag to set or how to sign in.
 */
import {
  AnalysisDetailDto,
  AnalysisDto,
  AnalysisList,
  ApiKeyDto,
  AuditPage,
  type CreateAnalysisRequest,
  type CreateApiKeyRequest,
  CreatedApiKey,
  CreatedShare,
  type CreateEnrolmentTokenRequest,
  type CreateProjectRequest,
  type CreateShareRequest,
  type CreateTeamRequest,
  EnrolmentTokenDto,
  EpochMetricDto,
  type ListRunsQuery,
  type LoginRequest,
  LoginResponse,
  MemberDto,
  type OutageNotices,
  outageState,
  type Page,
  ProjectDto,
  type PutMemberRequest,
  RunDto,
  RunPage,
  requestJson,
  retryTransient,
  ShareDto,
  ApiRequestError as SharedApiRequestError,
  SweepDetailDto,
  SweepPage,
  SweepPreviewDto,
  type SweepSpec,
  type SweepSpecInput,
  TeamDto,
  WhoAmIDto,
  WorkerDto,
} from '@reslab/contracts';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { type Credential, notSignedInMessage } from './config-file.js';
import { ApiRequestError, NotSignedInError } from './errors.js';

/** GET /sweeps/templates answers spec inputs by name; the client validates them after merging with a file. */
const SweepTemplates = z.record(z.string(), z.record(z.string(), z.unknown()));

/** Which page of a list route (`GET /runs`, `GET /sweeps`): the API's defaults when absent. */
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** The filters and order of `GET /runs` (ListRunsQuery), without the page. */
export type RunsFilter = Partial<Omit<ListRunsQuery, 'limit' | 'cursor'>>;

function pageQuery(page: PageRequest): URLSearchParams {
  const query = new URLSearchParams();
  if (page.limit !== undefined) query.set('limit', String(page.limit));
  if (page.cursor !== undefined) query.set('cursor', page.cursor);
  return query;
}

/** The API's largest page (PAGE_LIMIT.max in the contracts). */
const MAX_PAGE = 1000;

/**
 * The newest `max` items of a list route, following `nextCursor` page by page as `gh` does with `--limit`;
 * `more` says whether the API holds older ones.
 */
export async function firstItems<T>(
  max: number,
  fetchPage: (page: PageRequest) => Promise<Page<T>>,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage({ limit: Math.min(MAX_PAGE, max - items.length), cursor });
    items.push(...page.items);
    if (page.nextCursor === null) return { items, more: false };
    if (items.length >= max) return { items, more: true };
    cursor = page.nextCursor;
  }
}

/**
 * The orchestrator's REST API, typed by the contracts. Every answer is parsed
 * with its contract schema, so a server that drifts from the contract fails
 * here, naming the field, instead of printing `undefined` somewhere later.
 *
 * The client holds the credential and every request, REST or socket, goes
 * through `request` or `stream`, which present it: no call can forget it.
 */
export class ResLabApi {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    readonly credential: Credential = { token: null },
    private readonly outages: OutageNotices | null = null,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /**
   * The same API for a command that waits on the orchestrator (`runs follow`):
   * each GET retries through an outage (unreachable, 5xx) until it answers,
   * saying so once per change through `outages`. Other methods are not
   * retried, as the orchestrator may have acted before it failed.
   */
  ridingOut(outages: OutageNotices): ResLabApi {
    return new ResLabApi(this.baseUrl, this.credential, outages);
  }

  /** The same API presenting another credential: the session `reslab login` signs in with, or a key it checks. */
  withToken(token: string): ResLabApi {
    return new ResLabApi(this.baseUrl, { token, from: 'given' }, this.outages);
  }

  /**
   * A socket.io connection to the orchestrator's stream, not yet told what to
   * subscribe to; the credential goes in the handshake. socket.io's own
   * reconnection is off: callers wait with the shared backoff, so it can be announced.
   */
  stream(): Socket {
    const url = new URL(this.baseUrl);
    const { token } = this.credential;
    return io(url.origin, {
      path: `${url.pathname.replace(/\/+$/, '')}/socket.io`,
      transports: ['websocket'],
      reconnection: false,
      ...(token ? { auth: { token } } : {}),
    });
  }

  // ---- analyses ----

  createAnalysis(runId: string, request: CreateAnalysisRequest): Promise<AnalysisDetailDto> {
    return this.request('POST', `/runs/${runId}/analyses`, AnalysisDetailDto, request);
  }

  runAnalyses(runId: string): Promise<AnalysisList> {
    return this.request('GET', `/runs/${runId}/analyses`, AnalysisList);
  }

  analysis(id: string): Promise<AnalysisDetailDto> {
    return this.request('GET', `/analyses/${id}`, AnalysisDetailDto);
  }

  cancelAnalysis(id: string): Promise<AnalysisDto> {
    return this.request('POST', `/analyses/${id}/cancel`, AnalysisDto);
  }

  // ---- runs, sweeps, workers ----

  /** One page of runs, newest first; pass a page's `nextCursor` as `cursor` for the next. */
  listRuns(filter: RunsFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    const query = pageQuery(page);
    for (const [name, value] of Object.entries(filter)) {
      if (value !== undefined) query.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    return this.request('GET', `/runs?${query}`, RunPage);
  }

  getRun(id: string): Promise<RunDto> {
    return this.request('GET', `/runs/${id}`, RunDto);
  }

  runMetrics(id: string): Promise<EpochMetricDto[]> {
    return this.request('GET', `/runs/${id}/metrics`, z.array(EpochMetricDto));
  }

  cancelRun(id: string): Promise<RunDto> {
    return this.request('POST', `/runs/${id}/cancel`, RunDto);
  }

  retryRun(id: string): Promise<RunDto> {
    return this.request('POST', `/runs/${id}/retry`, RunDto);
  }

  listWorkers(): Promise<WorkerDto[]> {
    return this.request('GET', '/workers', z.array(WorkerDto));
  }

  /** Revokes a worker's credential: it gets no more work. */
  revokeWorker(id: string): Promise<WorkerDto> {
    return this.request('DELETE', `/workers/${id}`, WorkerDto);
  }

  /** A one-time token a new worker trades for its own credential (POST /workers/enrol). */
  createEnrolmentToken(request: z.input<typeof CreateEnrolmentTokenRequest>): Promise<EnrolmentTokenDto> {
    return this.request('POST', '/workers/enrolment-tokens', EnrolmentTokenDto, request);
  }

  createSweep(spec: SweepSpec): Promise<SweepDetailDto> {
    return this.request('POST', '/sweeps', SweepDetailDto, spec);
  }

  previewSweep(spec: SweepSpec): Promise<SweepPreviewDto> {
    return this.request('POST', '/sweeps/preview', SweepPreviewDto, spec);
  }

  async sweepTemplates(): Promise<Record<string, SweepSpecInput>> {
    return (await this.request('GET', '/sweeps/templates', SweepTemplates)) as Record<string, SweepSpecInput>;
  }

  /** One page of sweeps, newest first, as listRuns. */
  listSweeps(page: PageRequest = {}): Promise<SweepPage> {
    return this.request('GET', `/sweeps?${pageQuery(page)}`, SweepPage);
  }

  getSweep(id: string): Promise<SweepDetailDto> {
    return this.request('GET', `/sweeps/${id}`, SweepDetailDto);
  }

  // ---- identity: sessions, keys, teams, projects, share links, audit ----

  /** Signs in with a password: the answer holds a session token, shown once. */
  login(request: LoginRequest): Promise<LoginResponse> {
    return this.request('POST', '/auth/login', LoginResponse, request);
  }

  /** Revokes the session this client presents. */
  async logout(): Promise<void> {
    await this.request('POST', '/auth/logout', null);
  }

  me(): Promise<WhoAmIDto> {
    return this.request('GET', '/auth/me', WhoAmIDto);
  }

  createKey(request: CreateApiKeyRequest): Promise<CreatedApiKey> {
    return this.request('POST', '/keys', CreatedApiKey, request);
  }

  /** The caller's own keys, revoked and expired ones included. */
  listKeys(): Promise<ApiKeyDto[]> {
    return this.request('GET', '/keys', z.array(ApiKeyDto));
  }

  revokeKey(id: string): Promise<ApiKeyDto> {
    return this.request('DELETE', `/keys/${id}`, ApiKeyDto);
  }

  /** The teams the caller belongs to, each with the caller's role. */
  listTeams(): Promise<TeamDto[]> {
    return this.request('GET', '/teams', z.array(TeamDto));
  }

  createTeam(request: CreateTeamRequest): Promise<TeamDto> {
    return this.request('POST', '/teams', TeamDto, request);
  }

  listMembers(teamId: string): Promise<MemberDto[]> {
    return this.request('GET', `/teams/${teamId}/members`, z.array(MemberDto));
  }

  /** Adds a user to the team by e-mail, or changes their role. */
  putMember(teamId: string, request: PutMemberRequest): Promise<MemberDto> {
    return this.request('PUT', `/teams/${teamId}/members`, MemberDto, request);
  }

  async removeMember(teamId: string, userId: string): Promise<void> {
    await this.request('DELETE', `/teams/${teamId}/members/${userId}`, null);
  }

  /** Every project the caller can see, in all their teams. */
  listProjects(): Promise<ProjectDto[]> {
    return this.request('GET', '/projects', z.array(ProjectDto));
  }

  createProject(teamId: string, request: CreateProjectRequest): Promise<ProjectDto> {
    return this.request('POST', `/teams/${teamId}/projects`, ProjectDto, request);
  }

  /** One page of a team's audit log, newest first, as listRuns. */
  auditPage(teamId: string, page: PageRequest = {}): Promise<AuditPage> {
    return this.request('GET', `/teams/${teamId}/audit?${pageQuery(page)}`, AuditPage);
  }

  /** A read-only link; the answer holds its token, shown once. */
  createShare(request: CreateShareRequest): Promise<CreatedShare> {
    return this.request('POST', '/shares', CreatedShare, request);
  }

  listShares(): Promise<ShareDto[]> {
    return this.request('GET', '/shares', z.array(ShareDto));
  }

  revokeShare(id: string): Promise<ShareDto> {
    return this.request('DELETE', `/shares/${id}`, ShareDto);
  }

  /**
   * The shared request, with the CLI's error type: an unreachable API says which
   * flag to set, and a 401 says how to sign in. `schema` null: the answer has no body (204).
   */
  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S | null,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const token = this.credential.token ?? undefined;
    const send = () => requestJson(this.baseUrl, method, path, { body, schema: schema ?? undefined, token });
    const outages = this.outages;
    try {
      if (!outages || method !== 'GET') return await send();
      return await retryTransient(send, {
        tries: Number.POSITIVE_INFINITY,
        onRetry: (error, delayMs) => outages.failed(outageState(error.status), delayMs),
        onSuccess: () => outages.recovered(),
      });
    } catch (error) {
      if (!(error instanceof SharedApiRequestError)) throw error;
      if (error.status === 401) throw new NotSignedInError(notSignedInMessage(this.credential, this.baseUrl));
      const hint = error.status === null ? '; set --api or RESLAB_API_URL' : '';
      throw new ApiRequestError(`${error.message}${hint}`, error.status, error.issues);
    }
  }
}
