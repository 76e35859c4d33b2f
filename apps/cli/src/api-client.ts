import {
  EpochMetricDto,
  type OutageNotices,
  outageState,
  type Page,
  RunDto,
  RunPage,
  type RunStatus,
  requestJson,
  retryTransient,
  ApiRequestError as SharedApiRequestError,
  SweepDetailDto,
  SweepPage,
  SweepPreviewDto,
  type SweepSpec,
  type SweepSpecInput,
  WorkerDto,
} from '@reslab/contracts';
import { z } from 'zod';
import { ApiRequestError } from './errors.js';

/** GET /sweeps/templates answers spec inputs by name; the client validates them after merging with a file. */
const SweepTemplates = z.record(z.string(), z.record(z.string(), z.unknown()));

/** Which page of a list route (`GET /runs`, `GET /sweeps`): the API's defaults when absent. */
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

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
 */
export class ResLabApi {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
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
    return new ResLabApi(this.baseUrl, outages);
  }

  /** One page of runs, newest first; pass a page's `nextCursor` as `cursor` for the next. */
  listRuns(filter: { status?: RunStatus; sweepId?: string } = {}, page: PageRequest = {}): Promise<RunPage> {
    const query = pageQuery(page);
    if (filter.status) query.set('status', filter.status);
    if (filter.sweepId) query.set('sweepId', filter.sweepId);
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

  /** The shared request, with the CLI's error type: an unreachable API says which flag to set. */
  private async request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const send = () => requestJson(this.baseUrl, method, path, { body, schema });
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
      const hint = error.status === null ? '; set --api or RESLAB_API_URL' : '';
      throw new ApiRequestError(`${error.message}${hint}`, error.status, error.issues);
    }
  }
}
