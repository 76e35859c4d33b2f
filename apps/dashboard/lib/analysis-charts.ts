/**
 * ECharts options for the analyses (issue 11), pure functions of what lib/analysis-results.ts reads from the
 * parts. Each figure takes the run and, when it has the same analysis, its twin, so the residual net is drawn
 * beside its plain twin in the same units and, for landscapes, on the same colour scale. Error is in %.
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { LandscapeGrid, LesionResult } from '@/lib/analysis-results';
import { gridSlice } from '@/lib/analysis-results';
import type { ChartWords } from '@/lib/chart-options';
import { archLook, OKABE_ITO, SEQUENTIAL } from '@/lib/palette';

/** One net of a comparison: the run or its twin. */
export interface Net<T> {
  label: string;
  arch: string;
  result: T;
}

const pct = (v: number) => Math.round(v * 1e4) / 100;
const round = (v: number, digits = 4) => Number(v.toPrecision(digits));
const grid = { left: 64, right: 24, top: 48, bottom: 56 };
const axisName = (name: string, gap = 30) => ({ name, nameLocation: 'middle', nameGap: gap }) as const;

/**
 * Error per deleted block (Veit et al. 2016 Fig. 3): bars per net, its intact error as a line, and chance
 * (1 − 1/classes). A plain net also gets the error with the block bypassed (y = x) where shapes allow.
 */
export function lesionBlocksOption(
  t: ChartWords,
  nets: Net<LesionResult>[],
  classes: number | null,
): EChartsCoreOption {
  const names = [...new Set(nets.flatMap((n) => n.result.blocks.map((b) => b.block)))];
  const series: object[] = [];
  nets.forEach((net, n) => {
    const look = archLook(net.arch);
    const lines: object[] = [];
    if (net.result.baseline) {
      const intact = t('lesionIntact', { net: net.label });
      lines.push({
        name: intact,
        yAxis: pct(net.result.baseline.error),
        lineStyle: { color: look.color, type: 'dashed' },
        label: { formatter: `${intact} {c}%`, position: 'insideEndTop' },
      });
    }
    if (n === 0 && classes) {
      const chance = t('lesionChance', { classes });
      lines.push({
        name: chance,
        yAxis: pct(1 - 1 / classes),
        lineStyle: { color: '#000', type: 'dotted' },
        label: { formatter: `${chance} {c}%`, position: 'insideEndTop' },
      });
    }
    const byName = new Map(net.result.blocks.map((b) => [b.block, b]));
    series.push({
      name: t('lesionDeleted', { net: net.label }),
      type: 'bar',
      color: look.color,
      data: names.map((name) => {
        const b = byName.get(name);
        return b ? pct(b.error) : null;
      }),
      markLine: lines.length ? { symbol: 'none', silent: true, data: lines } : undefined,
    });
    if (net.result.blocks.some((b) => b.bypassError !== null)) {
      series.push({
        name: t('lesionBypassed', { net: net.label }),
        type: 'bar',
        color: OKABE_ITO[0],
        data: names.map((name) => {
          const e = byName.get(name)?.bypassError;
          return e === null || e === undefined ? null : pct(e);
        }),
      });
    }
  });
  return {
    grid: { ...grid, bottom: 80 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: {
      type: 'category',
      data: names,
      ...axisName('deleted block (input → output)', 50),
      axisLabel: { rotate: 40 },
    },
    yAxis: { type: 'value', min: 0, max: 100, ...axisName('test error (%)', 44) },
    series,
  };
}

/** Error against the number of blocks deleted at random (Fig. 4a): mean line and a ± std band per net. */
export function lesionKOption(t: ChartWords, nets: Net<LesionResult>[]): EChartsCoreOption {
  const series = nets.flatMap((net, n) => {
    const look = archLook(net.arch);
    const stack = `band-${n}`;
    const ks = net.result.ks;
    const band = t('lesionBand', { net: net.label });
    return [
      {
        name: t('lesionMean', { net: net.label }),
        type: 'line',
        color: look.color,
        lineStyle: { type: look.lineType, width: 2 },
        symbol: look.symbol,
        data: ks.map((k) => [k.k, pct(k.mean)]),
      },
      // The band: an invisible line at mean − std, and the width 2·std stacked on it.
      {
        name: band,
        type: 'line',
        stack,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        color: look.color,
        data: ks.map((k) => [k.k, pct(Math.max(0, k.mean - k.std))]),
        tooltip: { show: false },
      },
      {
        name: band,
        type: 'line',
        stack,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { color: look.color, opacity: 0.2 },
        color: look.color,
        data: ks.map((k) => [k.k, pct(Math.min(1, k.mean + k.std) - Math.max(0, k.mean - k.std))]),
        tooltip: { show: false },
      },
    ];
  });
  return {
    grid,
    tooltip: { trigger: 'axis' },
    legend: {
      top: 0,
      data: nets.flatMap((n) => [t('lesionMean', { net: n.label }), t('lesionBand', { net: n.label })]),
    },
    xAxis: { type: 'value', minInterval: 1, min: 1, ...axisName('blocks deleted at random (k)') },
    yAxis: { type: 'value', min: 0, max: 100, ...axisName('test error (%)', 44) },
    series,
  };
}

/** Error against Kendall's tau of the reordered blocks (Fig. 4b): 1 is the trained order. */
export function lesionReorderOption(nets: Net<LesionResult>[]): EChartsCoreOption {
  return {
    grid,
    tooltip: { trigger: 'item' },
    legend: { top: 0 },
    xAxis: { type: 'value', min: -1, max: 1, ...axisName("Kendall's τ against the trained order") },
    yAxis: { type: 'value', min: 0, max: 100, ...axisName('test error (%)', 44) },
    series: nets.map((net) => {
      const look = archLook(net.arch);
      return {
        name: net.label,
        type: 'scatter',
        color: look.color,
        symbol: look.symbol,
        data: net.result.reorder.map((s) => [round(s.tau), pct(s.error)]),
      };
    }),
  };
}

type Paths = NonNullable<LesionResult['paths']>;

/**
 * The unraveled view (Fig. 6): per path length, how many paths (binomial, log axis), the gradient norm one such
 * path carries (log axis), and the share of the total gradient, with the effective range shaded.
 */
export function pathsOption(nets: Net<Paths>[], what: 'paths' | 'gradNorm' | 'share'): EChartsCoreOption {
  const axis = {
    paths: 'paths of this length (C(n, k))',
    gradNorm: 'gradient norm at the input per path',
    share: 'share of the total gradient',
  }[what];
  return {
    grid,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'value', minInterval: 1, min: 0, ...axisName('path length (blocks whose branch is on)') },
    yAxis:
      what === 'share'
        ? { type: 'value', min: 0, ...axisName(axis, 44) }
        : { type: 'log', ...axisName(axis, 52), axisLabel: { formatter: (v: number) => v.toExponential(0) } },
    series: nets.map((net) => {
      const look = archLook(net.arch);
      const range = net.result.effectiveRange;
      return {
        name: net.label,
        type: 'line',
        color: look.color,
        symbol: look.symbol,
        lineStyle: { type: look.lineType, width: 2 },
        // A log axis has no zero: lengths with nothing measured are left out rather than drawn at the floor.
        data: net.result.lengths
          .filter((l) => what === 'share' || l[what] > 0)
          .map((l) => [l.length, round(l[what], 5)]),
        markArea:
          what === 'share'
            ? {
                silent: true,
                itemStyle: { color: look.color, opacity: 0.12 },
                label: { formatter: `${net.label}: ${range.from}–${range.to} (${Math.round(range.mass * 100)}%)` },
                data: [[{ xAxis: range.from }, { xAxis: range.to }]],
              }
            : undefined,
      };
    }),
  };
}

/** The colour scale every landscape drawn together uses: loss in nats, viridis. */
function lossScale(t: ChartWords, range: { min: number; max: number }, right = 8) {
  return {
    min: round(range.min),
    max: round(range.max),
    calculable: true,
    orient: 'vertical',
    right,
    top: 'middle',
    text: [t('landscapeScale'), ''],
    inRange: { color: SEQUENTIAL },
  };
}

const coordLabel = (v: number) => (Math.abs(v) < 1e-9 ? '0' : v.toFixed(2));

/**
 * A 2D landscape as a heatmap (Li et al. 2018 draw contours; the colour is the same information): α along x, β
 * along y, the trained weights at (0, 0), coloured by `range` so the twin's map beside it reads on the same scale.
 */
export function landscapeHeatmapOption(
  t: ChartWords,
  grid: LandscapeGrid,
  range: { min: number; max: number },
): EChartsCoreOption {
  const data: [number, number, number | '-'][] = [];
  grid.loss.forEach((row, i) => {
    row.forEach((v, j) => {
      data.push([i, j, v === null ? '-' : round(v, 5)]);
    });
  });
  return {
    grid: { left: 64, right: 96, top: 16, bottom: 56 },
    tooltip: {
      formatter: (p: { value: [number, number, number] }) =>
        `α = ${coordLabel(grid.alphas[p.value[0]] ?? 0)}, β = ${coordLabel(grid.betas[p.value[1]] ?? 0)}<br/>${t('landscapeTooltip', { loss: p.value[2] })}`,
    },
    xAxis: { type: 'category', data: grid.alphas.map(coordLabel), ...axisName('α (direction 1, filter-normalised)') },
    yAxis: { type: 'category', data: grid.betas.map(coordLabel), ...axisName('β (direction 2)', 44) },
    visualMap: lossScale(t, range),
    series: [
      {
        name: t('landscapeSeries'),
        type: 'heatmap',
        data,
        emphasis: { itemStyle: { borderColor: '#000', borderWidth: 1 } },
      },
    ],
  };
}

/** A 1D landscape, or one line through 2D ones: loss against the coordinate, one series per net. */
export function landscapeLineOption(
  nets: Net<LandscapeGrid>[],
  along: 'alpha' | 'beta',
  index: number,
  caption: string,
): EChartsCoreOption {
  return {
    grid,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'value', ...axisName(caption) },
    yAxis: { type: 'value', scale: true, ...axisName('loss (nats)', 44) },
    series: nets.map((net) => {
      const look = archLook(net.arch);
      return {
        name: net.label,
        type: 'line',
        color: look.color,
        symbol: look.symbol,
        lineStyle: { type: look.lineType, width: 2 },
        connectNulls: false,
        data: gridSlice(net.result, along, index).map(([x, y]) => [round(x), y === null ? null : round(y, 5)]),
      };
    }),
  };
}

/** The same grid as a surface (echarts-gl), on the shared scale: z is the loss in nats. */
export function landscapeSurfaceOption(
  t: ChartWords,
  grid: LandscapeGrid,
  range: { min: number; max: number },
): EChartsCoreOption {
  const data: [number, number, number | '-'][] = [];
  grid.loss.forEach((row, i) => {
    row.forEach((v, j) => {
      data.push([round(grid.alphas[i] ?? 0), round(grid.betas[j] ?? 0), v === null ? '-' : round(v, 5)]);
    });
  });
  // echarts-gl 2.1 under ECharts 6 draws the 3D axes' text upside down (seen in Chromium): the axes carry no text,
  // and the colour bar (2D) and the figure's caption give the scale and the units.
  const bare = { type: 'value', name: '', axisLabel: { show: false } } as const;
  return {
    tooltip: {},
    visualMap: lossScale(t, range),
    xAxis3D: bare,
    yAxis3D: bare,
    zAxis3D: { ...bare, min: round(range.min), max: round(range.max) },
    grid3D: { viewControl: { projection: 'perspective', distance: 220 }, boxHeight: 60, left: 0, right: 90 },
    series: [{ name: t('landscapeSeries'), type: 'surface', wireframe: { show: true }, shading: 'color', data }],
  };
}

export interface CurvatureNet {
  topEigenvalue: number;
  topEigenvalueCi: [number, number];
  trace: number;
  traceCi: [number, number];
  batches: { topEigenvalue: number; trace: number }[];
}

/** One estimate per batch (points), the mean and its 95% interval (line and band), per net. */
export function curvatureOption(
  t: ChartWords,
  nets: Net<CurvatureNet>[],
  what: 'topEigenvalue' | 'trace',
): EChartsCoreOption {
  const ci = what === 'topEigenvalue' ? 'topEigenvalueCi' : 'traceCi';
  return {
    grid: { ...grid, left: 80 },
    tooltip: { trigger: 'item' },
    legend: { top: 0 },
    xAxis: { type: 'value', minInterval: 1, min: 1, ...axisName('batch') },
    yAxis: {
      type: 'value',
      scale: true,
      ...axisName(
        what === 'topEigenvalue' ? 'top eigenvalue λ_max (nats / weight²)' : 'trace of the Hessian (nats / weight²)',
        60,
      ),
    },
    series: nets.map((net) => {
      const look = archLook(net.arch);
      const [lo, hi] = net.result[ci];
      return {
        name: net.label,
        type: 'scatter',
        color: look.color,
        symbol: look.symbol,
        data: net.result.batches.map((b, k) => [k + 1, round(b[what], 5)]),
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { color: look.color },
          label: { formatter: `${t('curvatureMean', { net: net.label })} {c}` },
          data: [{ yAxis: round(net.result[what], 5) }],
        },
        markArea: {
          silent: true,
          itemStyle: { color: look.color, opacity: 0.12 },
          data: [[{ yAxis: round(lo, 5) }, { yAxis: round(hi, 5) }]],
        },
      };
    }),
  };
}
