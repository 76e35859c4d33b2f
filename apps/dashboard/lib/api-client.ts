/**
 * The dashboard's one client for the orchestrator's REST API.
 *
 * Every response is parsed with the zod schemas from `@reslab/contracts`, so a
 * page either gets data of the declared shape or an `ApiFailure` that says which
 * URL failed and why. The plain functions run on the server and read
 * RESLAB_API_URL at request time; client components use `apiClient(base)` with
 * the browser-side URL from `useApiUrl()` (components/api-url.tsx).
 */
import {
  ApiError,
  ArtifactDto,
  EpochMetricDto,
  GradFlowDto,
  RUN_STATUSES,
  RunDto,
  RunPage,
  type RunStatus,
  SweepDetailDto,
  SweepPage,
  SweepPreviewDto,
  type SweepSpecInput,
  WorkerDto,
} from '@reslab/contracts';

export const DEFAULT_API_URL = 'http://127.0.0.1:4000';
const TIMEOUT_MS = 10_000;

/** Base URL of the orchestrator, without a trailing slash. */
export function apiBaseUrl(): string {
  const raw = process.env.RESLAB_API_URL?.trim() || DEFAULT_API_URL;
  return raw.replace(/\/+$/, '');
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
    readonly body?: ApiError,
  ) {
    super(message);
  }

  /** Unreachable or 5xx: an outage worth waiting out, as ApiRequestError.retryable in the contracts. */
  get retryable(): boolean {
    return this.kind === 'unreachable' || (this.kind === 'http' && (this.status ?? 0) >= 500);
  }
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

interface RequestOptions {
  /** Orchestrator base URL; the server-side RESLAB_API_URL when absent. */
  base?: string;
  method?: 'GET' | 'POST';
  body?: unknown;
}

async function request(path: string, options: RequestOptions = {}): Promise<{ url: string; response: Response }> {
  const url = `${options.base ?? apiBaseUrl()}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers:
        options.body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new ApiFailure('unreachable', url, `Could not reach the ResLab API at ${url} (${describeNetworkError(err)})`);
  }
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
  let body: ApiError | undefined;
  try {
    const parsed = ApiError.safeParse(JSON.parse(await response.text()));
    if (parsed.success) body = parsed.data;
  } catch {
    // Not JSON: keep the status line only.
  }
  const detail = body ? `: ${body.message}` : response.statusText ? ` ${response.statusText}` : '';
  return new ApiFailure('http', url, `The API at ${url} answered ${response.status}${detail}`, response.status, body);
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

async function getJson<T>(path: string, schema: Schema<T>, base?: string): Promise<T> {
  const { url, response } = await request(path, { base });
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, schema, await readJson(url, response));
}

async function postJson<T>(path: string, schema: Schema<T>, body: unknown, base?: string): Promise<T> {
  const { url, response } = await request(path, { base, method: 'POST', body });
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, schema, await readJson(url, response));
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

const MetricList = EpochMetricDto.array();
const GradFlowList = GradFlowDto.array();
const ArtifactList = ArtifactDto.array();
const WorkerList = WorkerDto.array();
/** `GET /sweeps/templates`: spec inputs by name, checked again by SweepSpec when used. */
const TemplateMap: Schema<Record<string, SweepSpecInput>> = {
  safeParse: (input) =>
    input !== null && typeof input === 'object' && !Array.isArray(input)
      ? { success: true, data: input as Record<string, SweepSpecInput> }
      : { success: false, error: { issues: [{ path: [], message: 'expected an object of templates' }] } },
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Run ids are UUIDs; anything else cannot name a run, so pages answer 404 without asking the API. */
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

function listQuery(options: ListRunsOptions): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** `GET /runs`: one page, newest first, optionally only runs in one status, sweep or worker. */
export async function listRuns(options: ListRunsOptions = {}, base?: string): Promise<RunPage> {
  return getJson(`/runs${listQuery(options)}`, RunPage, base);
}

/** `GET /runs/:id`; `null` when the orchestrator does not know the run (or the id is not a UUID). */
export async function getRun(id: string, base?: string): Promise<RunDto | null> {
  if (!isRunId(id)) return null;
  const { url, response } = await request(`/runs/${encodeURIComponent(id)}`, { base });
  if (response.status === 404) return null;
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, RunDto, await readJson(url, response));
}

/** `GET /runs/:id/metrics`: one row per epoch and split, ordered by epoch then split. */
export async function listRunMetrics(id: string, base?: string): Promise<EpochMetricDto[]> {
  return getJson(`/runs/${encodeURIComponent(id)}/metrics`, MetricList, base);
}

/** `GET /runs/:id/grad-flow`: per-block gradient norms, one entry per epoch (epoch 0 = at initialisation). */
export async function listRunGradFlow(id: string, base?: string): Promise<GradFlowDto[]> {
  return getJson(`/runs/${encodeURIComponent(id)}/grad-flow`, GradFlowList, base);
}

/** `GET /runs/:id/artifacts`. */
export async function listRunArtifacts(id: string, base?: string): Promise<ArtifactDto[]> {
  return getJson(`/runs/${encodeURIComponent(id)}/artifacts`, ArtifactList, base);
}

/** Where the browser downloads an artifact: the API streams the file itself. */
export function artifactDownloadUrl(base: string, id: string): string {
  return `${base}/artifacts/${encodeURIComponent(id)}/download`;
}

/** `GET /sweeps`: one page of sweeps, newest first, with their runs counted by status. */
export async function listSweeps(options: PageOptions = {}, base?: string): Promise<SweepPage> {
  return getJson(`/sweeps${listQuery(options)}`, SweepPage, base);
}

/** `GET /sweeps/:id`; `null` when the orchestrator does not know the sweep. */
export async function getSweep(id: string): Promise<SweepDetailDto | null> {
  if (!isRunId(id)) return null;
  const { url, response } = await request(`/sweeps/${encodeURIComponent(id)}`);
  if (response.status === 404) return null;
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, SweepDetailDto, await readJson(url, response));
}

/** `GET /sweeps/templates`: named sweep specs, e.g. `degradation`. */
export async function getSweepTemplates(): Promise<Record<string, SweepSpecInput>> {
  return getJson('/sweeps/templates', TemplateMap);
}

/** `GET /workers`. */
export async function listWorkers(): Promise<WorkerDto[]> {
  return getJson('/workers', WorkerList);
}

/**
 * The calls a browser makes itself (actions, previews, metrics picked on the
 * page), against the browser-side API URL.
 */
export function apiClient(base: string) {
  const run = (id: string) => `/runs/${encodeURIComponent(id)}`;
  const sweep = (id: string) => `/sweeps/${encodeURIComponent(id)}`;
  return {
    getRun: (id: string) => getRun(id, base),
    listRuns: (options: ListRunsOptions) => listRuns(options, base),
    listSweeps: (options: PageOptions) => listSweeps(options, base),
    listRunMetrics: (id: string) => listRunMetrics(id, base),
    listRunArtifacts: (id: string) => listRunArtifacts(id, base),
    cancelRun: (id: string) => postJson(`${run(id)}/cancel`, RunDto, {}, base),
    retryRun: (id: string) => postJson(`${run(id)}/retry`, RunDto, {}, base),
    cancelSweep: (id: string) => postJson(`${sweep(id)}/cancel`, SweepDetailDto, {}, base),
    retrySweep: (id: string) => postJson(`${sweep(id)}/retry`, SweepDetailDto, {}, base),
    previewSweep: (spec: SweepSpecInput) => postJson('/sweeps/preview', SweepPreviewDto, spec, base),
    createSweep: (spec: SweepSpecInput) => postJson('/sweeps', SweepDetailDto, spec, base),
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
