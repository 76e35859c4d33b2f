import { AnalysisSpec, type RunStatus } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { chunkCount, needsCheckpoint, paramsKey } from '../src/analyses/analysis-plan.js';
import { jobsToRequeue } from '../src/analyses/analysis-status.js';

const jobs = (...statuses: RunStatus[]) => statuses.map((status, chunk) => ({ status, chunk }));

describe('a repeated request', () => {
  it('requeues only the chunks that ended without their parts', () => {
    const requeued = jobsToRequeue(jobs('succeeded', 'failed', 'cancelled', 'running', 'queued'));
    expect(requeued.map((j) => j.chunk)).toEqual([1, 2]);
  });
});

describe('an analysis plan', () => {
  const spec = (input: unknown) => AnalysisSpec.parse(input);

  it('hashes params with defaults filled and keys in any order to the same key, and different params apart', () => {
    const a = paramsKey(spec({ kind: 'landscape', params: { resolution: 21, span: 1 } }));
    const b = paramsKey(spec({ kind: 'landscape', params: { span: 1, resolution: 21, chunks: 3 } }));
    const c = paramsKey(spec({ kind: 'landscape', params: {} }));
    expect(a).toBe(b);
    expect(a).toBe(c);
    expect(paramsKey(spec({ kind: 'landscape', params: { seed: 1 } }))).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a landscape one job per chunk, at most one per row, and the other kinds one job', () => {
    expect(chunkCount(spec({ kind: 'landscape', params: { resolution: 5, chunks: 5 } }))).toBe(5);
    expect(() => chunkCount(spec({ kind: 'landscape', params: { resolution: 5, chunks: 6 } }))).toThrow(
      /more than the 5 rows/,
    );
    expect(chunkCount(spec({ kind: 'lesion' }))).toBe(1);
    expect(needsCheckpoint('cost')).toBe(false);
    expect(needsCheckpoint('curvature')).toBe(true);
  });
});
