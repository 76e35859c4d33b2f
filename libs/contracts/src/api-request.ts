/**
 * The one HTTP client of every TypeScript caller of the orchestrator: the worker (orchestrator-client.ts), the CLI
 * (api-client.ts), the demo (infra/demo) and the dashboard (lib/api-client.ts, on its server and in the browser).
 * Each wraps requestJson in the calls it makes and the error its users see; none fetches the REST API by itself.
 */
import type { z } from 'zod';
import { ApiError } from './api.js';
import { type FieldIssue, fieldIssues } from './issues.js';

/** What else a failed answer said, for clients that show it: the API's own error body, and when to ask again. */
export interface ApiRequestErrorDetail {
  /** The orchestrator's error body (ApiError), when it answered with one. */
  answer?: Pick<ApiError, 'message' | 'issues'>;
  /** Seconds to wait before asking again, from a 429's or 503's Retry-After header. */
  retryAfterS?: number;
}

/** The API refused a request, could not be reached (`status` null), or answered off-contract. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly issues: FieldIssue[] = [],
    readonly detail: ApiRequestErrorDetail = {},
  ) {
    super(message);
  }

  /** Unreachable or 5xx: worth sending again. A 4xx is final. */
  get retryable(): boolean {
    return this.status === null || this.status >= 500;
  }

  /** No answer; an answer other than 2xx; or a 2xx answer that breaks the contract (or is not JSON). */
  get kind(): 'unreachable' | 'http' | 'contract' {
    if (this.status === null) return 'unreachable';
    return this.status >= 200 && this.status < 300 ? 'contract' : 'http';
  }
}

/** Capped exponential backoff with jitter: 0.5 s, 1 s, 2 s, ... up to 15 s; `attempt` counts from 0. */
export function backoffMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2);
}

/**
 * What a retryable failure means to someone waiting on the orchestrator, in the
 * words the CLI, the demo and the dashboard all show. The orchestrator answers
 * 503 when it is up but cannot reach its database.
 */
export function outageState(status: number | null): string {
  if (status === null) return 'orchestrator unreachable';
  if (status === 503) return 'database unavailable';
  return `orchestrator failing (HTTP ${status})`;
}

/**
 * Says once per change of state that the orchestrator is failing, and once
 * that it answers again, so a client that retries every few seconds for an
 * hour prints a handful of lines rather than one per attempt.
 */
export class OutageNotices {
  private state: string | null = null;

  constructor(private readonly say: (line: string) => void) {}

  get failing(): boolean {
    return this.state !== null;
  }

  /** `state` as outageState words it (or a transport's own reason); `retryInMs` null when the retry is not ours to time. */
  failed(state: string, retryInMs: number | null): void {
    if (state === this.state) return;
    this.state = state;
    const when = retryInMs === null ? 'retrying' : `retrying in ${Math.max(1, Math.round(retryInMs / 1000))} s`;
    this.say(`${state}, ${when}`);
  }

  recovered(): void {
    if (this.state === null) return;
    this.state = null;
    this.say('orchestrator reachable again');
  }
}

export interface RetryOptions {
  /** Attempts in all, the first included; Infinity retries until it works. */
  tries?: number;
  /** Told of each failure that will be retried, before the wait. */
  onRetry?: (error: ApiRequestError, delayMs: number) => void;
  /** Told when an attempt succeeds (after failures or not). */
  onSuccess?: () => void;
}

/**
 * Runs `attempt` until it succeeds, waiting backoffMs between tries while it
 * fails with a retryable ApiRequestError (unreachable, 5xx). A 4xx, or any
 * other error, is thrown at once: the request itself is wrong.
 */
export async function retryTransient<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { tries = 8, onRetry, onSuccess } = options;
  for (let i = 0; ; i++) {
    try {
      const result = await attempt();
      onSuccess?.();
      return result;
    } catch (error) {
      if (!(error instanceof ApiRequestError) || !error.retryable || i + 1 >= tries) throw error;
      const delay = backoffMs(i);
      onRetry?.(error, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** A contract schema and what it parses to, for clients that do not depend on zod themselves (the dashboard). */
export type AnswerSchema = z.ZodType;
export type AnswerOf<S extends AnswerSchema> = z.infer<S>;

export interface RequestOptions<S extends z.ZodType> {
  body?: unknown;
  /** The answer's contract; without one the answer is not read. */
  schema?: S;
  timeoutMs?: number;
  /** A credential (identity.ts CREDENTIAL_PREFIX), sent as `Authorization: Bearer`. */
  token?: string;
  /** More request headers, e.g. the browser's user agent that the dashboard passes on at sign-in. */
  headers?: Record<string, string>;
  /** In a browser: `include` sends the session cookie to the orchestrator on another port of the same host. */
  credentials?: RequestCredentials;
  /** `no-store` on the dashboard's server, so Next.js never answers from its fetch cache. */
  cache?: RequestCache;
}

/**
 * The one way the TypeScript clients (worker, CLI, demo, dashboard) call the
 * orchestrator: JSON in, and the answer parsed with its contract schema, so a
 * server that drifts from the contract fails here, naming the field. A 4xx
 * answer becomes an ApiRequestError carrying the API's message and its `issues`.
 */
export async function requestJson<S extends z.ZodType>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions<S> = {},
): Promise<z.infer<S>> {
  const { body, schema, timeoutMs = 30_000, token, credentials, cache } = options;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      ...(credentials && { credentials }),
      ...(cache && { cache }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new ApiRequestError(`${method} ${path}: cannot reach the ResLab API at ${baseUrl} (${reason})`, null);
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: a proxy's error page, say. Reported below with its status.
  }
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined;
    const error = ApiError.safeParse(json);
    if (error.success) {
      const { message, issues = [] } = error.data;
      throw new ApiRequestError(message, response.status, issues, { answer: { message, issues }, retryAfterS });
    }
    throw new ApiRequestError(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status, [], {
      retryAfterS,
    });
  }
  if (!schema) return undefined as z.infer<S>;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiRequestError(
      `${method} ${path}: the answer does not match the contract`,
      response.status,
      fieldIssues(parsed.error),
    );
  }
  return parsed.data;
}
