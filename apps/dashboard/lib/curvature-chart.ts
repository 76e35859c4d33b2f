/**
 * The per-epoch curvature diagnostic (diagnostics.curvatureEvery) as ECharts options: the Hessian's top
 * eigenvalue and its trace against epoch, for the run and, when it measured them too, its twin, on the same axes.
 * Pure functions of the run snapshot's `curvature` rows (libs/contracts CurvatureEventPayload).
 */
import type { CurvatureEventPayload } from '@reslab/contracts';
import type { EChartsCoreOption } from 'echarts/core';
import type { Net } from '@/lib/analysis-charts';
import type { ChartWords } from '@/lib/chart-options';
import { archLook } from '@/lib/palette';

/** One measured epoch as drawn: the trace's standard error is traceStd / √probes (Hutchinson, one vᵀHv per probe). */
export interface CurvaturePoint {
  epoch: number;
  topEigenvalue: number;
  trace: number;
  traceStdError: number;
  converged: boolean;
}

export function curvaturePoints(rows: CurvatureEventPayload[]): CurvaturePoint[] {
  return [...rows]
    .sort((a, b) => a.epoch - b.epoch)
    .map((r) => ({
      epoch: r.epoch,
      topEigenvalue: r.topEigenvalue,
      trace: r.trace,
      traceStdError: r.traceStd / Math.sqrt(r.probes),
      converged: r.converged,
    }));
}

/**
 * A log axis when every value is positive and they span at least a decade: a net's curvature at initialisation
 * and after training can differ by orders of magnitude. The top eigenvalue can be negative (the largest in
 * magnitude), and a trace's error bar can reach below zero; either keeps the axis linear.
 */
export function logAxisFits(values: number[]): boolean {
  if (!values.length || values.some((v) => !(v > 0) || !Number.isFinite(v))) return false;
  return Math.max(...values) / Math.min(...values) >= 10;
}

type Measure = 'topEigenvalue' | 'trace';
type Series = { name: string; type: string } & Record<string, unknown>;

const lowHigh = (p: CurvaturePoint): [number, number] => [p.trace - p.traceStdError, p.trace + p.traceStdError];

interface ErrorBarApi {
  value(dim: number): number;
  coord(point: [number, number]): [number, number];
}

/** A vertical bar from low to high with 8 px caps, in the net's colour (custom series: ECharts has no error bar). */
function errorBar(color: string) {
  return (_params: unknown, api: ErrorBarApi) => {
    const x = api.value(0);
    const [x0, yLow] = api.coord([x, api.value(1)]);
    const [, yHigh] = api.coord([x, api.value(2)]);
    const style = { stroke: color, lineWidth: 1.5 };
    const line = (x1: number, y1: number, x2: number, y2: number) => ({
      type: 'line',
      shape: { x1, y1, x2, y2 },
      style,
    });
    return {
      type: 'group',
      children: [line(x0, yLow, x0, yHigh), line(x0 - 4, yLow, x0 + 4, yLow), line(x0 - 4, yHigh, x0 + 4, yHigh)],
    };
  };
}

/**
 * One measure against epoch, a line per net. The top eigenvalue rings the epochs whose power iteration did not
 * settle (the Rayleigh quotient it stopped at may still be short of |λ_max|); the trace carries ± one standard error.
 */
export function curvatureByEpochOption(t: ChartWords, nets: Net<CurvaturePoint[]>[], what: Measure): EChartsCoreOption {
  const drawn = nets.flatMap((n) =>
    what === 'trace' ? n.result.flatMap((p) => lowHigh(p)) : n.result.map((p) => p.topEigenvalue),
  );
  const log = logAxisFits(drawn);
  const series = nets.flatMap((net): Series[] => {
    const look = archLook(net.arch);
    const line = {
      name: net.label,
      type: 'line',
      color: look.color,
      symbol: look.symbol,
      symbolSize: 7,
      showSymbol: true,
      lineStyle: { type: look.lineType, width: 2 },
      data: net.result.map((p) => [p.epoch, p[what]]),
    };
    if (what === 'trace') {
      return [
        line,
        {
          name: t('curvatureStdError', { net: net.label }),
          type: 'custom',
          color: look.color,
          renderItem: errorBar(look.color),
          encode: { x: 0, y: [1, 2] },
          data: net.result.map((p) => [p.epoch, ...lowHigh(p)]),
          z: 1,
        },
      ];
    }
    const unsettled = net.result.filter((p) => !p.converged);
    if (!unsettled.length) return [line];
    return [
      line,
      {
        name: t('curvatureUnsettled', { net: net.label }),
        type: 'scatter',
        symbol: 'emptyCircle',
        symbolSize: 16,
        itemStyle: { color: '#000000', borderColor: '#000000', borderWidth: 1.5 },
        data: unsettled.map((p) => [p.epoch, p.topEigenvalue]),
        z: 3,
      },
    ];
  });
  return {
    grid: { left: 80, right: 24, top: 56, bottom: 56 },
    tooltip: { trigger: 'item' },
    // The error bars' legend entry would be a filled box that matches nothing drawn; the caption names them.
    legend: { top: 0, type: 'scroll', data: series.filter((s) => s.type !== 'custom').map((s) => s.name) },
    xAxis: {
      type: 'value',
      name: 'epoch (0: at initialisation)',
      nameLocation: 'middle',
      nameGap: 30,
      min: 0,
      minInterval: 1,
    },
    yAxis: {
      type: log ? 'log' : 'value',
      scale: true,
      name: t(log ? 'curvatureAxisLog' : 'curvatureAxis', { what }),
      nameLocation: 'middle',
      nameGap: 60,
    },
    series,
  };
}
