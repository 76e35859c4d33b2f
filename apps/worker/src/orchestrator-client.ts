/**
 * The worker's calls to the orchestrator, on the contracts' requestJson (libs/contracts api-request.ts), the one HTTP
 * client the CLI, the demo and the dashboard use too. What this file adds is the worker's own: its secret on every
 * call, and hearing once when that secret is refused.
 */
import {
  ApiRequestError,
  backoffMs,
  ClaimResponse,
  type FinishRunRequest,
  type HeartbeatRequest,
  HeartbeatResponse,
  type IngestEventsRequest,
  type RegisterArtifactRequest,
  type RegisterWorkerRequest,
  type RunAssignment,
  requestJson,
  retryTransient,
  WorkerDto,
} from '@reslab/contracts';

export { ApiRequestError, backoffMs };

import type { z } from 'zod';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether an error is the orchestrator refusing the worker's secret: unknown, or revoked by an admin. */
export function isCredentialRefused(error: unknown): boolean {
  return error instanceof ApiRequestError && error.status === 401;
}

/**
 * The worker's only door to the platform: the orchestrator's REST API. Every
 * call carries the worker's secret (Authorization: Bearer rsw_...), held here
 * so that no call can go without it. A 401 means the secret is no longer
 * taken: `onRefused` hears of it, once, and the call still fails, since
 * sending it again cannot help.
 */
export class OrchestratorClient {
  private refused = false;

  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
    private readonly onRefused: () => void = () => {},
  ) {}

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema?: S,
    timeoutMs?: number,
  ): Promise<z.infer<S>> {
    try {
      return await requestJson(this.baseUrl, method, path, { body, schema, timeoutMs, token: this.secret });
    } catch (error) {
      if (isCredentialRefused(error) && !this.refused) {
        this.refused = true;
        this.onRefused();
      }
      throw error;
    }
  }

  /** Retries transient failures (unreachable, 5xx) with backoff; `tries` = Infinity retries until it works. */
  withRetry<T>(attempt: () => Promise<T>, tries = 8): Promise<T> {
    return retryTransient(attempt, { tries });
  }

  /** Reports this machine's host, slots and GPUs for the worker the secret belongs to. */
  register(request: RegisterWorkerRequest) {
    return this.request('POST', '/workers', request, WorkerDto);
  }

  /** `timeoutMs`: a beat that hangs must not hold up the worker's verdict on whether it is cut off. */
  heartbeat(workerId: string, request: HeartbeatRequest, timeoutMs?: number) {
    return this.request('POST', `/workers/${workerId}/heartbeat`, request, HeartbeatResponse, timeoutMs);
  }

  async claim(workerId: string): Promise<RunAssignment | null> {
    return (await this.request('POST', `/workers/${workerId}/claim`, {}, ClaimResponse)).assignment;
  }

  async postEvents(runId: string, request: IngestEventsRequest): Promise<void> {
    await this.request('POST', `/runs/${runId}/events`, request);
  }

  async registerArtifact(runId: string, request: RegisterArtifactRequest): Promise<void> {
    await this.request('POST', `/runs/${runId}/artifacts`, request);
  }

  async finish(runId: string, report: FinishRunRequest): Promise<void> {
    await this.request('POST', `/runs/${runId}/finish`, report);
  }
}
