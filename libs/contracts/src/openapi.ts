import { z } from 'zod';
import {
  ApiError,
  ArtifactDto,
  ClaimResponse,
  CreateRunRequest,
  EpochMetricDto,
  ExperimentDto,
  FinishRunRequest,
  GradFlowDto,
  HeartbeatRequest,
  HeartbeatResponse,
  IngestEventsRequest,
  RegisterArtifactRequest,
  RegisterWorkerRequest,
  RunDto,
  SweepDetailDto,
  SweepPreviewDto,
  WorkerDto,
} from './api.js';
import { RunPage, SweepPage } from './page.js';
import { SweepSpec } from './sweeps.js';
import { PROTOCOL_VERSION } from './version.js';

type Schema = z.ZodType;
interface Operation {
  summary: string;
  body?: Schema;
  response?: Schema;
  list?: boolean;
  params?: string[];
  query?: string[];
}

/** The orchestrator's HTTP API, generated from the same zod schemas the code validates with. */
const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/runs': {
    post: { summary: 'Queue a run', body: CreateRunRequest, response: RunDto },
    get: {
      summary: 'List runs, newest first, a page at a time: pass nextCursor back as cursor (limit 100, at most 1000)',
      response: RunPage,
      query: ['status', 'sweepId', 'workerId', 'limit', 'cursor'],
    },
  },
  '/runs/{id}': { get: { summary: 'One run', response: RunDto, params: ['id'] } },
  '/runs/{id}/metrics': {
    get: { summary: 'Epoch metrics of a run', response: EpochMetricDto, list: true, params: ['id'] },
  },
  '/runs/{id}/grad-flow': {
    get: { summary: 'Per-block gradient flow by epoch', response: GradFlowDto, list: true, params: ['id'] },
  },
  '/runs/{id}/cancel': { post: { summary: 'Cancel a queued or running run', response: RunDto, params: ['id'] } },
  '/runs/{id}/retry': { post: { summary: 'Requeue a failed or cancelled run', response: RunDto, params: ['id'] } },
  '/runs/{id}/events': {
    post: { summary: 'Worker: forward engine events', body: IngestEventsRequest, params: ['id'] },
  },
  '/runs/{id}/finish': {
    post: { summary: 'Worker: report how the engine ended', body: FinishRunRequest, response: RunDto, params: ['id'] },
  },
  '/runs/{id}/artifacts': {
    get: { summary: 'Artifacts of a run', response: ArtifactDto, list: true, params: ['id'] },
    post: {
      summary: 'Worker: register a file in the artifact store',
      body: RegisterArtifactRequest,
      response: ArtifactDto,
      params: ['id'],
    },
  },
  '/artifacts/{id}/download': { get: { summary: 'Download an artifact', params: ['id'] } },
  '/experiments': { get: { summary: 'Experiments with run counts by status', response: ExperimentDto, list: true } },
  '/experiments/{id}': { get: { summary: 'One experiment', response: ExperimentDto, params: ['id'] } },
  '/sweeps': {
    post: { summary: 'Expand a grid into runs and queue them', body: SweepSpec, response: SweepDetailDto },
    get: {
      summary: 'List sweeps with status counts, newest first, a page at a time (as GET /runs)',
      response: SweepPage,
      query: ['limit', 'cursor'],
    },
  },
  '/sweeps/preview': {
    post: { summary: 'Validate a grid and count its runs without storing', body: SweepSpec, response: SweepPreviewDto },
  },
  '/sweeps/templates': {
    get: {
      summary:
        "Built-in sweep templates: degradation (He et al. 2016 Fig. 6 on a CPU budget), he2016-cifar10 and he2016-cifar10-110 (the paper's full recipe)",
    },
  },
  '/sweeps/{id}': {
    get: { summary: 'A sweep with its runs and final metrics', response: SweepDetailDto, params: ['id'] },
  },
  '/sweeps/{id}/cancel': {
    post: { summary: 'Cancel every open run of a sweep', response: SweepDetailDto, params: ['id'] },
  },
  '/sweeps/{id}/retry': {
    post: { summary: 'Retry failed and cancelled runs', response: SweepDetailDto, params: ['id'] },
  },
  '/workers': {
    post: { summary: 'Worker: register', body: RegisterWorkerRequest, response: WorkerDto },
    get: { summary: 'List workers', response: WorkerDto, list: true },
  },
  '/workers/{id}/heartbeat': {
    post: { summary: 'Worker: renew leases', body: HeartbeatRequest, response: HeartbeatResponse, params: ['id'] },
  },
  '/workers/{id}/claim': { post: { summary: 'Worker: claim the next run', response: ClaimResponse, params: ['id'] } },
  '/health': { get: { summary: 'Liveness; status degraded while the database is unreachable' } },
  '/metrics': { get: { summary: 'Prometheus metrics' } },
};

const json = (schema: Schema, io: 'input' | 'output') => z.toJSONSchema(schema, { io, target: 'openapi-3.0' });

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const responseSchema = op.response ? json(op.list ? z.array(op.response) : op.response, 'output') : undefined;
      paths[path][method] = {
        summary: op.summary,
        parameters: [
          ...(op.params ?? []).map((name) => ({
            name,
            in: 'path',
            required: true,
            schema: { type: 'string', format: 'uuid' },
          })),
          ...(op.query ?? []).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
        ],
        ...(op.body && {
          requestBody: { required: true, content: { 'application/json': { schema: json(op.body, 'input') } } },
        }),
        responses: {
          [method === 'post' && path !== '/sweeps/preview' && !path.includes('{id}/') ? '201' : '200']: {
            description: 'OK',
            ...(responseSchema && { content: { 'application/json': { schema: responseSchema } } }),
          },
          '400': {
            description: 'Invalid input; `issues` names each bad field',
            content: { 'application/json': { schema: json(ApiError, 'output') } },
          },
        },
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'ResLab orchestrator', version: String(PROTOCOL_VERSION) },
    paths,
  };
}
