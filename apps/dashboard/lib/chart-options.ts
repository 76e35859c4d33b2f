/**
 * ECharts options for every figure, as pure functions of contract data, so a
 * page only chooses what to show. Axes carry units; error is 1 − accuracy in %.
 */
import type { DepthPoint, EpochMetricDto, GradFlowDto } from '@reslab/contracts';
import type { EChartsCoreOption } from 'echarts/core';
import { classLabels } from '@/lib/class-names';
import { type CurveRun, drawnSplits, netCurves, RUN_SERIES_MAX } from '@/lib/curve-series';
import { archLook, OKABE_ITO, SEQUENTIAL, SPLIT_LINE, shade } from '@/lib/palette';

/**
 * The words a figure draws inside its canvas (tooltips, colour scales, series in legends), from the `charts`
 * catalogue: `useTranslations('charts')` on a page, an English translator in the tests. Axis names stay English
 * here and are renamed by the component (components/echart.tsx withAxisNames).
 */
export type ChartKey =
  | 'gradTooltipBlock'
  | 'gradSeries'
  | 'gradLarger'
  | 'gradSmaller'
  | 'confusionTooltip'
  | 'confusionScale'
  | 'depthTooltip'
  | 'lesionIntact'
  | 'lesionChance'
  | 'lesionDeleted'
  | 'lesionBypassed'
  | 'lesionMean'
  | 'lesionBand'
  | 'curvatureMean'
  | 'curvatureStdError'
  | 'curvatureUnsettled'
  | 'curvatureAxis'
  | 'curvatureAxisLog'
  | 'landscapeScale'
  | 'landscapeTooltip'
  | 'landscapeSeries';
export type ChartWords = (key: ChartKey, values?: Record<string, string | number>) => string;

export type MetricKey = 'loss' | 'accuracy' | 'error' | 'precision' | 'recall' | 'f1';

export const METRICS: { key: MetricKey; label: string; axis: string }[] = [
  { key: 'loss', label: 'Loss', axis: 'cross-entropy (nats)' },
  { key: 'error', label: 'Error', axis: 'error (%)' },
  { key: 'accuracy', label: 'Accuracy', axis: 'accuracy (%)' },
  { key: 'precision', label: 'Precision (macro)', axis: 'macro precision (%)' },
  { key: 'recall', label: 'Recall (macro)', axis: 'macro recall (%)' },
  { key: 'f1', label: 'F1 (macro)', axis: 'macro F1 (%)' },
];

/** A metric in the unit its axis shows: nats for loss, percent for the rest. */
export function metricValue(
  m: Pick<EpochMetricDto, 'loss' | 'accuracy' | 'precision' | 'recall' | 'f1'>,
  key: MetricKey,
) {
  if (key === 'loss') return m.loss;
  if (key === 'error') return (1 - m.accuracy) * 100;
  return m[key] * 100;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

const grid = { left: 64, right: 24, top: 40, bottom: 56, containLabel: false };
const epochAxis = {
  type: 'value',
  name: 'epoch',
  nameLocation: 'middle',
  nameGap: 30,
  minInterval: 1,
  min: 1,
} as const;
const valueAxis = (name: string) =>
  ({ type: 'value', name, nameLocation: 'middle', nameGap: 48, scale: true }) as const;

/** One or more metrics of one run, a curve per split it has epochs of (drawnSplits). */
export function runCurvesOption(metrics: EpochMetricDto[], keys: MetricKey[], axis: string): EChartsCoreOption {
  const series = keys.flatMap((key, k) =>
    drawnSplits(metrics).map((split) => {
      const label = METRICS.find((m) => m.key === key)?.label ?? key;
      return {
        name: keys.length > 1 ? `${label} · ${split}` : split,
        type: 'line',
        showSymbol: true,
        symbol: split === 'train' ? 'circle' : split === 'val' ? 'triangle' : 'diamond',
        symbolSize: 6,
        lineStyle: { type: SPLIT_LINE[split] ?? 'dotted', width: 2 },
        color: OKABE_ITO[(keys.length > 1 ? k : split === 'train' ? 3 : split === 'val' ? 4 : 5) % OKABE_ITO.length],
        data: metrics.filter((m) => m.split === split).map((m) => [m.epoch, round(metricValue(m, key))]),
      };
    }),
  );
  return {
    grid,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: epochAxis,
    yAxis: valueAxis(axis),
    series,
  };
}

/**
 * Gradient norm at each block's input against epoch, log10 colour scale (docs/course.md §1): how the signal the
 * loss sends back changes from the last block to the stem, a plain net beside its residual twin.
 */
export function gradFlowOption(t: ChartWords, flows: GradFlowDto[]): EChartsCoreOption {
  const blocks = new Map<string, number>();
  for (const flow of flows) for (const b of flow.blocks) if (!blocks.has(b.name)) blocks.set(b.name, b.index);
  const names = [...blocks.entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
  const epochs = flows.map((f) => f.epoch);
  const data: [number, number, number | '-'][] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  flows.forEach((flow, x) => {
    for (const b of flow.blocks) {
      const y = names.indexOf(b.name);
      if (b.inputGradNorm > 0) {
        const v = Math.log10(b.inputGradNorm);
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        data.push([x, y, round(v)]);
      } else data.push([x, y, '-']);
    }
  });
  if (!Number.isFinite(lo)) {
    lo = -1;
    hi = 0;
  }
  const pow = (v: number) => `1e${v.toFixed(1)}`;
  return {
    grid: { left: 96, right: 96, top: 24, bottom: 56 },
    tooltip: {
      formatter: (p: { value: [number, number, number] }) =>
        `${t('gradTooltipBlock', { block: names[p.value[1]] ?? '', epoch: epochs[p.value[0]] ?? '' })}<br/>‖∂L/∂x‖ = ${(10 ** p.value[2]).toPrecision(3)}`,
    },
    xAxis: {
      type: 'category',
      data: epochs.map(String),
      name: 'epoch (0 = at initialisation)',
      nameLocation: 'middle',
      nameGap: 30,
    },
    yAxis: { type: 'category', data: names, name: 'block (input → output)', nameLocation: 'end' },
    visualMap: {
      min: Math.floor(lo * 10) / 10,
      max: Math.ceil(hi * 10) / 10 || 0.1,
      calculable: true,
      orient: 'vertical',
      right: 8,
      top: 'middle',
      text: [t('gradLarger'), t('gradSmaller')],
      formatter: (v: number) => pow(v),
      inRange: { color: SEQUENTIAL },
    },
    series: [{ name: t('gradSeries'), type: 'heatmap', data, emphasis: { itemStyle: { borderWidth: 1 } } }],
  };
}

/** confusion[true][predicted] as a heatmap of counts. */
export function confusionOption(t: ChartWords, matrix: number[][], classNames?: string[] | null): EChartsCoreOption {
  const n = matrix.length;
  const classes = classLabels(classNames, n);
  const data: [number, number, number][] = [];
  let max = 0;
  matrix.forEach((row, t) => {
    row.forEach((count, p) => {
      data.push([p, t, count]);
      max = Math.max(max, count);
    });
  });
  // Names (`T-shirt/top`) need room that indices do not: the x labels slant, every one shown, and both margins
  // grow with the longest, at about 7 px a character of the 12 px axis font.
  const longest = Math.max(...classes.map((c) => c.length));
  const named = longest > 3;
  const slant = named ? Math.round(longest * 4.5) : 0;
  return {
    grid: { left: named ? Math.min(160, 16 + longest * 7) : 64, right: 96, top: 24, bottom: 56 + slant },
    tooltip: {
      formatter: (p: { value: [number, number, number] }) =>
        t('confusionTooltip', {
          truth: classes[p.value[1]] ?? '',
          predicted: classes[p.value[0]] ?? '',
          count: p.value[2],
        }),
    },
    xAxis: {
      type: 'category',
      data: classes,
      name: 'predicted class',
      nameLocation: 'middle',
      nameGap: 30 + slant,
      ...(named ? { axisLabel: { interval: 0, rotate: 40 } } : {}),
    },
    yAxis: { type: 'category', data: classes, name: 'true class', inverse: true, nameLocation: 'end' },
    visualMap: {
      min: 0,
      max: Math.max(1, max),
      calculable: true,
      right: 8,
      top: 'middle',
      text: [t('confusionScale'), ''],
      inRange: { color: ['#ffffff', '#56B4E9', '#0072B2', '#000000'] },
    },
    series: [
      {
        name: t('confusionScale'),
        type: 'heatmap',
        data,
        label: { show: n <= 12, fontSize: 10 },
      },
    ],
  };
}

/** Mean ± std error bars, drawn by a custom series from [depth, mean, std] triples. */
function errorBars(name: string, color: string, points: DepthPoint[]) {
  return {
    name,
    type: 'custom',
    silent: true,
    z: 1,
    data: points.map((p) => [p.depth, p.mean, p.std]),
    renderItem: (_params: unknown, api: { value(i: number): number; coord(p: [number, number]): [number, number] }) => {
      const [x, mean, std] = [api.value(0), api.value(1), api.value(2)];
      const top = api.coord([x, mean + std]);
      const bottom = api.coord([x, mean - std]);
      const half = 5;
      const style = { stroke: color, lineWidth: 1.5 };
      return {
        type: 'group',
        children: [
          { type: 'line', shape: { x1: top[0], y1: top[1], x2: bottom[0], y2: bottom[1] }, style },
          { type: 'line', shape: { x1: top[0] - half, y1: top[1], x2: top[0] + half, y2: top[1] }, style },
          { type: 'line', shape: { x1: bottom[0] - half, y1: bottom[1], x2: bottom[0] + half, y2: bottom[1] }, style },
        ],
      };
    },
  };
}

/**
 * He et al. 2016 Fig. 6 as one view: final error against depth, one line per
 * architecture and kind of error (train solid-ish, test lighter), mean ± std over seeds.
 */
export function depthPlotOption(
  t: ChartWords,
  train: DepthPoint[],
  test: DepthPoint[],
  testLabel: string,
): EChartsCoreOption {
  const archs = [...new Set([...train, ...test].map((p) => p.arch))];
  const series = archs.flatMap((arch) => {
    const look = archLook(arch);
    const lines: { kind: string; points: DepthPoint[]; color: string; width: number }[] = [
      { kind: 'train error', points: train.filter((p) => p.arch === arch), color: look.color, width: 2.5 },
      { kind: testLabel, points: test.filter((p) => p.arch === arch), color: shade(look.color, 0.45), width: 1.5 },
    ];
    return lines
      .filter((l) => l.points.length > 0)
      .flatMap((l) => {
        const name = `${arch} · ${l.kind}`;
        return [
          {
            name,
            type: 'line',
            symbol: look.symbol,
            symbolSize: 9,
            color: l.color,
            lineStyle: { type: l.kind === 'train error' ? look.lineType : 'dotted', width: l.width },
            data: l.points.map((p) => ({ value: [p.depth, round(p.mean)], n: p.n, std: round(p.std) })),
          },
          errorBars(name, l.color, l.points),
        ];
      });
  });
  return {
    grid: { ...grid, right: 32 },
    legend: { top: 0 },
    tooltip: {
      trigger: 'item',
      formatter: (p: { seriesName: string; data: { value: [number, number]; n: number; std: number } }) =>
        p.data?.value
          ? `${p.seriesName}<br/>${t('depthTooltip', {
              depth: p.data.value[0],
              mean: p.data.value[1].toFixed(2),
              std: p.data.std.toFixed(2),
              n: p.data.n,
            })}`
          : p.seriesName,
    },
    xAxis: { type: 'value', name: 'depth (layers)', nameLocation: 'middle', nameGap: 30, scale: true, minInterval: 1 },
    yAxis: valueAxis('error (%)'),
    series,
  };
}

/** He et al. plot training error against iterations (Fig. 6): the x axis a sweep page uses when it can count them. */
const iterationAxis = {
  type: 'value',
  name: 'iterations (SGD steps)',
  nameLocation: 'middle',
  nameGap: 30,
  min: 0,
} as const;

/**
 * Many runs overlaid: colour by architecture, lighter for shallower nets and darker for deeper ones, line style
 * by architecture as well; or, with `colorBy: 'run'`, a colour per run. Above RUN_SERIES_MAX runs, one series
 * per net, coloured by architecture.
 */
export function overlayOption(
  runs: CurveRun[],
  axis: string,
  colorBy: 'arch' | 'run',
  x: 'epoch' | 'iteration' = 'epoch',
): EChartsCoreOption {
  const depths = [...new Set(runs.map((r) => r.depth))].sort((a, b) => a - b);
  const perRun = runs.length <= RUN_SERIES_MAX;
  const color = perRun ? colorBy : 'arch';
  const series = (perRun ? runs : netCurves(runs)).map((run, i) => {
    const look = archLook(run.arch);
    const rank = depths.length > 1 ? depths.indexOf(run.depth) / (depths.length - 1) : 1;
    return {
      name: run.label,
      type: 'line',
      showSymbol: perRun && run.points.length <= 30,
      symbol: look.symbol,
      // Down-sampling would join one run's curve to the next across the gaps.
      ...(perRun ? { sampling: 'lttb' } : { triggerLineEvent: true }),
      color: color === 'arch' ? shade(look.color, 0.6 * (1 - rank)) : OKABE_ITO[i % OKABE_ITO.length],
      lineStyle: { type: color === 'arch' ? look.lineType : i < OKABE_ITO.length ? 'solid' : 'dashed', width: 1.8 },
      data: run.points,
    };
  });
  return {
    grid: { ...grid, right: 32, top: series.length > 8 ? 72 : 40 },
    legend: { top: 0, type: 'scroll' },
    // By axis, the tooltip lists each series at the hovered x; a series of a net's runs has a point per run there.
    tooltip: perRun ? { trigger: 'axis' } : { trigger: 'item', formatter: '{a}' },
    xAxis: x === 'epoch' ? epochAxis : iterationAxis,
    yAxis: valueAxis(axis),
    series,
  };
}
