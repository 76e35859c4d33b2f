import type { z } from 'zod';
import { ApiError } from './api.js';
import { type FieldIssue, fieldIssues } from './issues.js';

/** The API refused a request, could not be reached (`status` null), or answered off-contract. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }

  /** Unreachable or 5xx: worth sending again. A 4xx is final. */
  get retryable(): boolean {
    return this.status === null || this.status >= 500;
  }
}

export interface RequestOptions<S extends z.ZodType> {
  body?: unknown;
  /** The answer's contract; without one the answer is not read. */
  schema?: S;
  timeoutMs?: number;
}

/**
 * The one way the TypeScript clients (worker, CLI) call the orchestrator: JSON
 * in, and the answer parsed with its contract schema, so a server that drifts
 * from the contract fails here, naming the field. A 4xx answer becomes an
 * ApiRequestError carrying the API's message and its `issues`.
 */
export async function requestJson<S extends z.ZodType>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions<S> = {},
): Promise<z.infer<S>> {
  const { body, schema, timeoutMs = 30_000 } = options;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
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
    const error = ApiError.safeParse(json);
    if (error.success) throw new ApiRequestError(error.data.message, response.status, error.data.issues ?? []);
    throw new ApiRequestError(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
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
