import type { SweepDetailDto } from './api.js';

export type SweepRunDto = SweepDetailDto['runs'][number];
export type FinalSplit = NonNullable<SweepRunDto['final']['train']>;

/** Mean and sample standard deviation (n − 1); std 0 for a single seed. */
export function meanStd(values: number[]): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, std: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** One net of a sweep (architecture × depth): its error (1 − accuracy, %) as mean ± std over `n` runs. */
export interface DepthPoint {
  arch: string;
  depth: number;
  mean: number;
  std: number;
  n: number;
}

/**
 * Final error (%) per architecture and depth, mean ± std over the runs that reached the split (seeds, and any
 * other grid axis, pooled). Reported, not selected: the last epoch's train error and the test split's one
 * evaluation of the final weights, never the best epoch.
 */
export function depthPoints(runs: SweepRunDto[], pick: (run: SweepRunDto) => FinalSplit | null): DepthPoint[] {
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

/** The held-out split a depth plot uses: test where runs have it, else validation. */
export function heldOutSplit(runs: SweepRunDto[]): 'test' | 'val' {
  return runs.some((r) => r.final.test) || !runs.some((r) => r.final.val) ? 'test' : 'val';
}

/** One net's row of the seed table: its final training error and, beside it, its held-out error. */
export interface SeedRow {
  train: DepthPoint;
  held: DepthPoint | undefined;
}

/**
 * What the sweep page, `reslab sweep show` and the demo all print: final errors per net over seeds, training and
 * held-out (test where runs have it, else validation), paired by net.
 */
export function finalErrors(runs: SweepRunDto[]): {
  split: 'test' | 'val';
  train: DepthPoint[];
  held: DepthPoint[];
  rows: SeedRow[];
} {
  const split = heldOutSplit(runs);
  const train = depthPoints(runs, (r) => r.final.train);
  const held = depthPoints(runs, (r) => r.final[split]);
  const rows = train.map((p) => ({ train: p, held: held.find((h) => h.arch === p.arch && h.depth === p.depth) }));
  return { split, train, held, rows };
}

/** The two halves of He et al. 2016 Fig. 6 at the deepest and shallowest depth both archs reached. */
export interface DegradationVerdict {
  shallow: number;
  deep: number;
  /** plain-deep − plain-shallow, in points: positive is degradation. */
  degradation: { mean: number; std: number };
  /** plain-deep − resnet-deep: positive is the residual net training better. */
  residualGain: { mean: number; std: number };
  /** resnet-shallow − resnet-deep: positive is depth paying off for residual nets. */
  depthGain: { mean: number; std: number };
  /** Largest std over seeds among the four nets: a gap smaller than this is not shown. */
  spread: number;
}

/** Needs plain and resnet at two depths; null otherwise (a sweep that is not a degradation ablation). */
export function degradationVerdict(points: DepthPoint[]): DegradationVerdict | null {
  const find = (arch: string, depth: number) => points.find((p) => p.arch === arch && p.depth === depth);
  const depths = [...new Set(points.map((p) => p.depth))]
    .filter((d) => find('plain', d) && find('resnet', d))
    .sort((a, b) => a - b);
  if (depths.length < 2) return null;
  const shallow = depths[0] as number;
  const deep = depths[depths.length - 1] as number;
  const [p20, r20, p56, r56] = [
    find('plain', shallow),
    find('resnet', shallow),
    find('plain', deep),
    find('resnet', deep),
  ];
  if (!p20 || !r20 || !p56 || !r56) return null;
  const gap = (a: DepthPoint, b: DepthPoint) => ({ mean: a.mean - b.mean, std: Math.hypot(a.std, b.std) });
  return {
    shallow,
    deep,
    degradation: gap(p56, p20),
    residualGain: gap(p56, r56),
    depthGain: gap(r20, r56),
    spread: Math.max(p20.std, r20.std, p56.std, r56.std),
  };
}

const signed = (x: { mean: number; std: number }) =>
  `${x.mean >= 0 ? '+' : '−'}${Math.abs(x.mean).toFixed(1)} ± ${x.std.toFixed(1)}`;

/**
 * What the verdict shows, decided once for every wording of it (English here, the dashboard's catalogue): a gap
 * counts only when it is larger than the largest spread over seeds.
 */
export function verdictFindings(verdict: DegradationVerdict): {
  degradation: boolean;
  residualGain: boolean;
  depthPays: boolean;
} {
  return {
    degradation: verdict.degradation.mean > verdict.spread,
    residualGain: verdict.residualGain.mean > verdict.spread,
    depthPays: verdict.depthGain.mean >= 0,
  };
}

/**
 * The verdict in words, for `reslab sweep show` and the demo (the dashboard words verdictFindings from its
 * catalogue). A half of Fig. 6 that does not show is said plainly, not left out.
 */
export function verdictSentences(verdict: DegradationVerdict, points: DepthPoint[]): string[] {
  const { shallow, deep, degradation, residualGain, depthGain, spread } = verdict;
  const at = (arch: string, depth: number) =>
    (points.find((p) => p.arch === arch && p.depth === depth)?.mean ?? Number.NaN).toFixed(1);
  const shows = verdictFindings(verdict);
  return [
    shows.degradation
      ? `Degradation shows: plain-${deep} ends at ${at('plain', deep)}% training error, plain-${shallow} at ${at('plain', shallow)}% (${signed(degradation)} points, spread over seeds ${spread.toFixed(1)}).`
      : `No clear degradation: plain-${deep} − plain-${shallow} is ${signed(degradation)} points, not above the spread over seeds (${spread.toFixed(1)}).`,
    shows.residualGain
      ? `The shortcut removes it: resnet-${deep} ends at ${at('resnet', deep)}%, ${residualGain.mean.toFixed(1)} points below plain-${deep} (${signed(residualGain)}).`
      : `resnet-${deep} is not clearly below plain-${deep}: ${signed(residualGain)} points, spread ${spread.toFixed(1)}.`,
    shows.depthPays
      ? `Depth pays with shortcuts: resnet-${deep} (${at('resnet', deep)}%) is at or below resnet-${shallow} (${at('resnet', shallow)}%).`
      : `Not shown at this budget: resnet-${deep} still trains ${(-depthGain.mean).toFixed(1)} points above resnet-${shallow} (${at('resnet', deep)}% against ${at('resnet', shallow)}%); in He et al. the deeper residual net pulls ahead only over many more iterations.`,
  ];
}
