/**
 * External runs (issue 12: the Python SDK, MLflow's tracking API, a TensorBoard import) as the dashboard charts
 * them: one line per metric key against the script's own step, pure functions of contract data.
 */
import type { ExternalRunDto, MetricHistoryDto, MetricSummary, MetricValue } from '@reslab/contracts';
import type { EChartsCoreOption } from 'echarts/core';
import { OKABE_ITO } from '@/lib/palette';

/** Metric keys the runs list shows a last value of, per run. */
export const LIST_METRIC_KEYS = 3;

/** How often a running external run's page reads it again, in ms: its script logs at its own pace. */
export const EXTERNAL_REFRESH_MS = 3000;

export type HistoryPoint = MetricHistoryDto['points'][number];

/**
 * A logged value as a chart's y: NaN and ±Infinity (a diverging loss) have no place on a linear axis, so they are
 * '-', which ECharts draws as a gap in the line; the tooltip still names them.
 */
export function plotted(value: MetricValue): number | '-' {
  return typeof value === 'number' ? value : '-';
}

/** A value as text, NaN and infinities as MLflow writes them. */
export function valueText(value: MetricValue, format: (n: number) => string = (n) => n.toPrecision(5)): string {
  return typeof value === 'number' ? format(value) : value;
}

/** The keys a run logged, in the order the list and the page show them (alphabetical, as MLflow's UI). */
export function metricKeys(run: Pick<ExternalRunDto, 'metrics'>): string[] {
  return run.metrics.map((m) => m.key).sort((a, b) => a.localeCompare(b));
}

/** The first few keys of a run for the runs list, with their last values. */
export function listedMetrics(run: Pick<ExternalRunDto, 'metrics'>): MetricSummary[] {
  const byKey = new Map(run.metrics.map((m) => [m.key, m]));
  return metricKeys(run)
    .slice(0, LIST_METRIC_KEYS)
    .map((key) => byKey.get(key) as MetricSummary);
}

/** Keys every one of `runs` logged: what a comparison can chart (one chart per key, one line per run). */
export function sharedKeys(runs: Pick<ExternalRunDto, 'metrics'>[]): string[] {
  if (runs.length === 0) return [];
  const [first, ...rest] = runs.map((r) => new Set(r.metrics.map((m) => m.key)));
  return [...(first ?? [])].filter((key) => rest.every((keys) => keys.has(key))).sort((a, b) => a.localeCompare(b));
}

/**
 * Keys whose summary moved between two reads of a run (more points, or a newer last one), so a live page fetches
 * only those histories again; a key new in `next` counts as moved.
 */
export function movedKeys(previous: MetricSummary[], next: MetricSummary[]): string[] {
  const before = new Map(previous.map((m) => [m.key, m]));
  return next
    .filter((m) => {
      const old = before.get(m.key);
      return (
        !old ||
        old.count !== m.count ||
        old.last.step !== m.last.step ||
        old.last.timestamp !== m.last.timestamp ||
        String(old.last.value) !== String(m.last.value)
      );
    })
    .map((m) => m.key);
}

/** One line of a metric chart: a run's points of one key. */
export interface HistoryLine {
  name: string;
  points: HistoryPoint[];
}

/** Words the tooltip uses; the page passes its catalogue's (next-intl) so the chart speaks the page's language. */
export interface HistoryWords {
  step: string;
  time: (timestamp: number) => string;
}

interface HoveredPoint {
  seriesName: string;
  value: [number, number | '-', number, string];
}

/** `key = value` of each line at the hovered step, the step, and when the (first) value was logged. */
function historyTooltip(key: string, items: HoveredPoint[], words: HistoryWords): string {
  const first = items[0];
  if (!first) return '';
  const [step, , timestamp] = first.value;
  const values = items.map((p) => `${items.length > 1 ? `${p.seriesName}: ` : `${key} = `}${p.value[3]}`);
  return [...values, `${words.step} ${step} · ${words.time(timestamp)}`].join('<br/>');
}

const DEFAULT_WORDS: HistoryWords = { step: 'step', time: (t) => new Date(t).toISOString() };

/**
 * One metric key against step: one line per run (one for a run's own page), hover naming the step, the value and
 * when it was logged. The points' timestamps ride along as a third coordinate, so the tooltip reads them back.
 */
export function historyOption(
  key: string,
  lines: HistoryLine[],
  words: HistoryWords = DEFAULT_WORDS,
): EChartsCoreOption {
  return {
    grid: { left: 64, right: 24, top: lines.length > 1 ? 40 : 16, bottom: 48 },
    tooltip: {
      trigger: 'axis',
      formatter: (items: HoveredPoint | HoveredPoint[]) => historyTooltip(key, [items].flat(), words),
    },
    ...(lines.length > 1 ? { legend: { top: 0, type: 'scroll' } } : {}),
    // The axis ends where the steps do, not at the next round number (a script's 105 steps drew to 120).
    xAxis: { type: 'value', name: words.step, nameLocation: 'middle', nameGap: 28, min: 'dataMin', max: 'dataMax' },
    yAxis: { type: 'value', name: key, nameLocation: 'end', scale: true },
    series: lines.map((line, i) => ({
      name: line.name,
      type: 'line',
      // A gap where a value is NaN or infinite, never a line drawn across it.
      connectNulls: false,
      showSymbol: line.points.length <= 50,
      symbolSize: 5,
      color: OKABE_ITO[i % OKABE_ITO.length],
      data: line.points.map((p) => [p.step, plotted(p.value), p.timestamp, valueText(p.value)]),
    })),
  };
}
