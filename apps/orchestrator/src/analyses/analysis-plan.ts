import { createHash } from 'node:crypto';
import type { AnalysisSpec } from '@reslab/contracts';
import { invalidField } from '../common/api-errors.js';

/** Keys sorted at every level: the same params always serialise, and hash, the same way. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the params with defaults filled: the same request for the same run is the same analysis. */
export function paramsKey(spec: AnalysisSpec): string {
  return createHash('sha256').update(canonical(spec.params)).digest('hex');
}

/**
 * How many jobs an analysis is split into. A landscape's grid rows (or, in 1D, its points) are shared among
 * `chunks` jobs, each needing at least one; the other kinds are one job.
 */
export function chunkCount(spec: AnalysisSpec): number {
  if (spec.kind !== 'landscape') return 1;
  const { chunks, resolution } = spec.params;
  if (chunks > resolution) {
    throw invalidField(
      'params.chunks',
      `is ${chunks}, more than the ${resolution} ${spec.params.dims === 2 ? 'rows' : 'points'} of the grid`,
    );
  }
  return chunks;
}

/** Kinds that read the run's trained weights; `cost` counts the architecture alone. */
export function needsCheckpoint(kind: AnalysisSpec['kind']): boolean {
  return kind !== 'cost';
}
