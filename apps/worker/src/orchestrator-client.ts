import {
  ApiRequestError,
  ClaimResponse,
  type EngineEvent,
  type FinishRunRequest,
  HeartbeatResponse,
  type RegisterArtifactRequest,
  type RegisterWorkerRequest,
  type RunAssignment,
  requestJson,
  WorkerDto,
} from '@reslab/contracts';

export { ApiRequestError };

import type { z } from 'zod';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Capped exponential backoff with jitter: 0.5 s, 1 s, 2 s, ... up to 15 s. */
export function backoffMs(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() / 2);
}

/** The worker's only door to the platform: the orchestrator's REST API. */
export class OrchestratorClient {
  constructor(private readonly baseUrl: string) {}

  private request<S extends z.ZodType>(method: string, path: string, body: unknown, schema?: S): Promise<z.infer<S>> {
    return requestJson(this.baseUrl, method, path, { body, schema });
  }

  /** Retries transient failures (unreachable, 5xx) with backoff; `tries` = Infinity retries until it works. */
  async withRetry<T>(attempt: () => Promise<T>, tries = 8): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ApiRequestError) || !error.retryable || i + 1 >= tries) throw error;
        await sleep(backoffMs(i));
      }
    }
  }

  register(request: RegisterWorkerRequest) {
    return this.request('POST', '/workers', request, WorkerDto);
  }

  heartbeat(workerId: string, runIds: string[], draining: boolean) {
    return this.request('POST', `/workers/${workerId}/heartbeat`, { runIds, draining }, HeartbeatResponse);
  }

  async claim(workerId: string): Promise<RunAssignment | null> {
    return (await this.request('POST', `/workers/${workerId}/claim`, {}, ClaimResponse)).assignment;
  }

  async postEvents(runId: string, workerId: string, events: EngineEvent[]): Promise<void> {
    await this.request('POST', `/runs/${runId}/events`, { workerId, events });
  }

  async registerArtifact(runId: string, request: RegisterArtifactRequest): Promise<void> {
    await this.request('POST', `/runs/${runId}/artifacts`, request);
  }

  async finish(runId: string, report: FinishRunRequest): Promise<void> {
    await this.request('POST', `/runs/${runId}/finish`, report);
  }
}
