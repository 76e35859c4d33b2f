import {
  ClaimResponse,
  type EngineEvent,
  type FinishRunRequest,
  type RegisterWorkerRequest,
  type RunAssignment,
  WorkerDto,
} from '@reslab/contracts';
import type { z } from 'zod';

export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }

  /** 4xx answers are final: resending the same request cannot succeed. */
  get retryable(): boolean {
    return this.status === null || this.status >= 500;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker's only door to the platform: the orchestrator's REST API. */
export class OrchestratorClient {
  constructor(private readonly baseUrl: string) {}

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema?: S,
  ): Promise<z.infer<S>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ApiRequestError(
        `${method} ${path}: orchestrator unreachable at ${this.baseUrl} (${(error as Error).message})`,
        null,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new ApiRequestError(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`, response.status);
    return (schema ? schema.parse(JSON.parse(text)) : undefined) as z.infer<S>;
  }

  /** Retries transient failures with capped exponential backoff (0.5 s to 10 s). */
  async withRetry<T>(attempt: () => Promise<T>, tries = 8): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ApiRequestError) || !error.retryable || i + 1 >= tries) throw error;
        await sleep(Math.min(10_000, 500 * 2 ** i));
      }
    }
  }

  register(request: RegisterWorkerRequest) {
    return this.request('POST', '/workers', request, WorkerDto);
  }

  heartbeat(workerId: string) {
    return this.request('POST', `/workers/${workerId}/heartbeat`, {}, WorkerDto);
  }

  async claim(workerId: string): Promise<RunAssignment | null> {
    return (await this.request('POST', `/workers/${workerId}/claim`, {}, ClaimResponse)).assignment;
  }

  async postEvents(runId: string, workerId: string, events: EngineEvent[]): Promise<void> {
    await this.request('POST', `/runs/${runId}/events`, { workerId, events });
  }

  async finish(runId: string, report: FinishRunRequest): Promise<void> {
    await this.request('POST', `/runs/${runId}/finish`, report);
  }
}
