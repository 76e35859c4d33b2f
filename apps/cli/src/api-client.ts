import {
  EpochMetricDto,
  RunDto,
  type RunStatus,
  requestJson,
  ApiRequestError as SharedApiRequestError,
  SweepDetailDto,
  SweepDto,
  SweepPreviewDto,
  type SweepSpec,
  type SweepSpecInput,
  WorkerDto,
} from '@reslab/contracts';
import { z } from 'zod';
import { ApiRequestError } from './errors.js';

/** GET /sweeps/templates answers spec inputs by name; the client validates them after merging with a file. */
const SweepTemplates = z.record(z.string(), z.record(z.string(), z.unknown()));

/**
 * The orchestrator's REST API, typed by the contracts. Every answer is parsed
 * with its contract schema, so a server that drifts from the contract fails
 * here, naming the field, instead of printing `undefined` somewhere later.
 */
export class ResLabApi {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  listRuns(filter: { status?: RunStatus; sweepId?: string } = {}): Promise<RunDto[]> {
    const query = new URLSearchParams({ limit: '5000' });
    if (filter.status) query.set('status', filter.status);
    if (filter.sweepId) query.set('sweepId', filter.sweepId);
    return this.request('GET', `/runs?${query}`, z.array(RunDto));
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

  listSweeps(): Promise<SweepDto[]> {
    return this.request('GET', '/sweeps', z.array(SweepDto));
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
    try {
      return await requestJson(this.baseUrl, method, path, { body, schema });
    } catch (error) {
      if (!(error instanceof SharedApiRequestError)) throw error;
      const hint = error.status === null ? '; set --api or RESLAB_API_URL' : '';
      throw new ApiRequestError(`${error.message}${hint}`, error.status, error.issues);
    }
  }
}
