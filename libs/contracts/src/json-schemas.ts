import { z } from 'zod';
import { AnalysisJobConfig } from './analysis.js';
import { CreateRunRequest, FinishRunRequest, IngestEventsRequest, RegisterWorkerRequest } from './api.js';
import { EngineEvent } from './engine-events.js';
import { RunConfig } from './run-config.js';

/**
 * The schemas exported as JSON Schema for non-TypeScript readers: the Python
 * engine validates the configs it reads (input form, defaults optional) and
 * its tests validate every event it writes.
 */
export const EXPORTED_SCHEMAS = {
  'run-config': { schema: RunConfig, io: 'input' },
  'analysis-job-config': { schema: AnalysisJobConfig, io: 'input' },
  'engine-event': { schema: EngineEvent, io: 'output' },
  'create-run-request': { schema: CreateRunRequest, io: 'input' },
  'register-worker-request': { schema: RegisterWorkerRequest, io: 'input' },
  'ingest-events-request': { schema: IngestEventsRequest, io: 'input' },
  'finish-run-request': { schema: FinishRunRequest, io: 'input' },
} as const;

export function toJsonSchema(name: keyof typeof EXPORTED_SCHEMAS): Record<string, unknown> {
  const { schema, io } = EXPORTED_SCHEMAS[name];
  return z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as Record<string, unknown>;
}
