/**
 * The worker's calls to the orchestrator, on the contracts' requestJson (libs/contracts api-request.ts), the one HTTP
 * client the CLI, the demo and the dashboard use too. What this file adds is the worker's own: its secret on every
 * call, hearing once when that secret is refused, and moving to another orchestrator replica when one is gone.
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
import { logger } from './logger.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * No answer at all (refused, reset, timed out): the replica may be gone, and another can take the call. An answer,
 * even a 5xx, came from a live replica over the one database every replica shares, so another would say the same.
 */
function isUnreachable(error: unknown): error is ApiRequestError {
  return error instanceof ApiRequestError && error.status === null;
}

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
 *
 * With several replicas (`baseUrls`, all on one database), calls go to the
 * current one; one that cannot be reached is replaced by the next, and the call
 * is sent there at once, each replica tried once per call. The worker then stays
 * on the replica that answered. A call that reached no replica fails as with one
 * URL, and its caller's retry (withRetry, the outbox) sends it again.
 */
export class OrchestratorClient {
  private refused = false;
  private current = 0;

  constructor(
    private readonly baseUrls: readonly string[],
    private readonly secret: string,
    private readonly onRefused: () => void = () => {},
  ) {
    if (!baseUrls.length) throw new Error('OrchestratorClient needs at least one API URL');
  }

  /** The replica calls go to now. */
  get baseUrl(): string {
    return this.baseUrls[this.current] as string;
  }

  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema?: S,
    timeoutMs?: number,
  ): Promise<z.infer<S>> {
    try {
      for (let tried = 1; ; tried++) {
        const baseUrl = this.baseUrl;
        try {
          return await requestJson(baseUrl, method, path, { body, schema, timeoutMs, token: this.secret });
        } catch (error) {
          if (!isUnreachable(error) || tried >= this.baseUrls.length) throw error;
          // Another call may have moved on already while this one waited.
          if (this.baseUrl === baseUrl) this.current = (this.current + 1) % this.baseUrls.length;
          logger.warn(
            { from: baseUrl, to: this.baseUrl, err: error.message },
            'orchestrator unreachable; trying the next replica',
          );
        }
      }
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

  /**
   * `runId`: that queued run alone (one-run mode); otherwise the queue's next. `freeSlots`: the run given must fit
   * them (its resources.gpus).
   */
  async claim(workerId: string, runId?: string, freeSlots = 1): Promise<RunAssignment | null> {
    const body = { ...(runId ? { runId } : {}), freeSlots };
    return (await this.request('POST', `/workers/${workerId}/claim`, body, ClaimResponse)).assignment;
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
