/**
 * The dashboard's one client for the orchestrator's REST API.
 *
 * Every response is parsed with the zod schemas from `@reslab/contracts`, so a
 * page either gets data of the declared shape or an `ApiFailure` that says which
 * URL failed and why. Server-side only: it reads RESLAB_API_URL at request time.
 */
import { ApiError, EpochMetricDto, RUN_STATUSES, RunDto, type RunStatus } from '@reslab/contracts';

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

async function request(path: string): Promise<{ url: string; response: Response }> {
  const url = `${apiBaseUrl()}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
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

async function getJson<T>(path: string, schema: Schema<T>): Promise<T> {
  const { url, response } = await request(path);
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, schema, await readJson(url, response));
}

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

const RunList = RunDto.array();
const MetricList = EpochMetricDto.array();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Run ids are UUIDs; anything else cannot name a run, so pages answer 404 without asking the API. */
export function isRunId(id: string): boolean {
  return UUID.test(id);
}

/** `GET /runs`: newest first, optionally only runs in one status. */
export async function listRuns(options: { status?: RunStatus } = {}): Promise<RunDto[]> {
  const query = options.status ? `?status=${encodeURIComponent(options.status)}` : '';
  return getJson(`/runs${query}`, RunList);
}

/** `GET /runs/:id`; `null` when the orchestrator does not know the run (or the id is not a UUID). */
export async function getRun(id: string): Promise<RunDto | null> {
  if (!isRunId(id)) return null;
  const { url, response } = await request(`/runs/${encodeURIComponent(id)}`);
  if (response.status === 404) return null;
  if (!response.ok) throw await httpFailure(url, response);
  return parse(url, RunDto, await readJson(url, response));
}

/** `GET /runs/:id/metrics`: one row per epoch and split, ordered by epoch then split. */
export async function listRunMetrics(id: string): Promise<EpochMetricDto[]> {
  return getJson(`/runs/${encodeURIComponent(id)}/metrics`, MetricList);
}

/** Runs `load`, turning an `ApiFailure` into a value a server component can render. */
export async function settle<T>(load: Promise<T>): Promise<{ ok: true; data: T } | { ok: false; failure: ApiFailure }> {
  try {
    return { ok: true, data: await load };
  } catch (err) {
    if (err instanceof ApiFailure) return { ok: false, failure: err };
    throw err;
  }
}
