/**
 * Curves of many runs as chart series (lib/chart-options.ts overlays them), and what a chart draws, counted.
 * Pure, and importing nothing through Next's `@/` alias, so the dashboard's unit tests can load them.
 */
import type { EChartsCoreOption } from 'echarts/core';

export interface CurveRun {
  id: string;
  label: string;
  arch: string;
  depth: number;
  /** [epoch, value] pairs, or [iteration, value] when the chart's x axis is iterations. */
  points: [number, number][];
}

/**
 * Most runs an overlay draws as a series each, named in the legend: compare's 50. Above it (a sweep of 1,000
 * runs) ECharts spent about a millisecond per series and a legend of 1,000 names is unreadable (issue 13), so
 * the runs of one net (architecture and depth), which share a colour and line style anyway, are drawn as one
 * series, each run's curve a stretch of it broken from the next by a gap.
 */
export const RUN_SERIES_MAX = 50;

/** A point that breaks a line series (ECharts draws no segment to or from a missing value). */
export type CurvePoint = [number, number | null];

/** One series per net, its runs' curves one after the other with a gap between them. */
export function netCurves(runs: CurveRun[]): (Omit<CurveRun, 'points'> & { points: CurvePoint[] })[] {
  const nets = new Map<string, CurveRun[]>();
  for (const run of runs) {
    const key = `${run.arch}-${run.depth}`;
    nets.set(key, [...(nets.get(key) ?? []), run]);
  }
  return [...nets].map(([net, members]) => ({
    id: net,
    label: `${net} (${members.length} run${members.length === 1 ? '' : 's'})`,
    arch: members[0]?.arch ?? '',
    depth: members[0]?.depth ?? 0,
    points: members.flatMap((run, i): CurvePoint[] =>
      i === 0 || run.points.length === 0 ? run.points : [[run.points[0]?.[0] ?? 0, null], ...run.points],
    ),
  }));
}

/**
 * The splits a run's per-epoch curves draw, in train, val, test order, then any other: every split the run has
 * epochs of. An external run may log only `test` (the course's loop does), an engine run ends with a test epoch.
 * Train and val go together: the engine sends an epoch's train a moment before it has evaluated its val, and
 * the legend should not change in between.
 */
export function drawnSplits(metrics: { split: string }[]): string[] {
  const present = new Set(metrics.map((m) => m.split));
  if (present.has('train') || present.has('val')) present.add('train').add('val');
  const order = ['train', 'val', 'test'];
  const rank = (split: string) => (order.includes(split) ? order.indexOf(split) : order.length);
  return [...present].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface SeriesLike {
  name?: unknown;
  data?: unknown;
}

/**
 * What the chart draws, as text a test (or a screen-reader user) can read: series names and point counts. A
 * point whose value is missing (a gap between two runs of one series, netCurves) is not one.
 */
export function seriesSummary(option: EChartsCoreOption): { name: string; points: number }[] {
  const series = (option as { series?: SeriesLike | SeriesLike[] }).series;
  const list = Array.isArray(series) ? series : series ? [series] : [];
  return list.map((s) => ({
    name: typeof s.name === 'string' ? s.name : '',
    points: Array.isArray(s.data) ? s.data.filter((p) => !(Array.isArray(p) && p[1] === null)).length : 0,
  }));
}
