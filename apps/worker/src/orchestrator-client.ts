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

/** The worker's only door to the platform: the orchestrator's REST API. */
export class OrchestratorClient {
  constructor(private readonly baseUrl: string) {}

  private request<S extends z.ZodType>(method: string, path: string, body: unknown, schema?: S): Promise<z.infer<S>> {
    return requestJson(this.baseUrl, method, path, { body, schema });
  }

  /** Retries transient failures (unreachable, 5xx) with backoff; `tries` = Infinity retries until it works. */
  withRetry<T>(attempt: () => Promise<T>, tries = 8): Promise<T> {
    return retryTransient(attempt, { tries });
  }

  register(request: RegisterWorkerRequest) {
    return this.request('POST', '/workers', request, WorkerDto);
  }

  /** `timeoutMs`: a beat that hangs must not hold up the worker's verdict on whether it is cut off. */
  heartbeat(workerId: string, request: HeartbeatRequest, timeoutMs?: number) {
    return requestJson(this.baseUrl, 'POST', `/workers/${workerId}/heartbeat`, {
      body: request,
      schema: HeartbeatResponse,
      timeoutMs,
    });
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
