import type { SweepDetailDto } from '@reslab/contracts';
import type { DepthPoint } from '@/lib/chart-options';

export type SweepRun = SweepDetailDto['runs'][number];
type FinalSplit = NonNullable<SweepRun['final']['train']>;

/** Mean and sample standard deviation (n − 1); std 0 for a single seed. */
export function meanStd(values: number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Final error (1 − accuracy, %) per architecture and depth, mean ± std over the
 * runs that reached the split (seeds, and any other grid axis, pooled).
 */
export function depthPoints(runs: SweepRun[], pick: (run: SweepRun) => FinalSplit | null): DepthPoint[] {
  const groups = new Map<string, { arch: string; depth: number; errors: number[] }>();
  for (const run of runs) {
    const final = pick(run);
    if (!final) continue;
    const { arch, depth } = run.config.model;
    const key = `${arch}/${depth}`;
    const group = groups.get(key) ?? { arch, depth, errors: [] };
    group.errors.push((1 - final.accuracy) * 100);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ arch, depth, errors }) => ({ arch, depth, n: errors.length, ...meanStd(errors) }))
    .sort((a, b) => a.arch.localeCompare(b.arch) || a.depth - b.depth);
}

/** The held-out split the depth plot uses: test where runs have it, else validation. */
export function heldOutSplit(runs: SweepRun[]): 'test' | 'val' {
  return runs.some((r) => r.final.test) || !runs.some((r) => r.final.val) ? 'test' : 'val';
}
