import type { CurvatureEventPayload } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { curvatureByEpochOption, curvaturePoints, logAxisFits } from '../lib/curvature-chart.js';
import { chartWords } from './chart-words.js';

const en = chartWords('en');

const row = (epoch: number, topEigenvalue: number, trace: number, converged = true): CurvatureEventPayload => ({
  epoch,
  topEigenvalue,
  trace,
  traceStd: 8,
  images: 64,
  iterations: 20,
  converged,
  probes: 16,
});

interface Series {
  name: string;
  type: string;
  data: number[][];
}
const seriesOf = (option: object) => (option as { series: Series[] }).series;
const yAxisOf = (option: object) => (option as { yAxis: { type: string; name: string } }).yAxis;

describe('curvature by epoch', () => {
  it('orders rows by epoch and gives the trace its standard error, traceStd / √probes', () => {
    const points = curvaturePoints([row(2, 5, 50), row(0, 1, 10), row(1, 3, 30, false)]);
    expect(points.map((p) => p.epoch)).toEqual([0, 1, 2]);
    expect(points[0]).toEqual({ epoch: 0, topEigenvalue: 1, trace: 10, traceStdError: 2, converged: true });
    expect(points[1]?.converged).toBe(false);
  });

  it('uses a log axis only for positive values spanning a decade', () => {
    expect(logAxisFits([0.5, 5])).toBe(true);
    expect(logAxisFits([1, 9.9])).toBe(false);
    expect(logAxisFits([-1, 50])).toBe(false);
    expect(logAxisFits([0, 50])).toBe(false);
    expect(logAxisFits([])).toBe(false);
  });

  it('draws one point per epoch and net, rings the epochs whose power iteration did not converge', () => {
    const nets = [
      { label: 'resnet-8', arch: 'resnet', result: curvaturePoints([row(0, 1, 10), row(1, 3, 30, false)]) },
      { label: 'plain-8 (twin)', arch: 'plain', result: curvaturePoints([row(0, 2, 20), row(1, 4, 40)]) },
    ];
    const series = seriesOf(curvatureByEpochOption(en, nets, 'topEigenvalue'));
    expect(series.map((s) => s.name)).toEqual([
      'resnet-8',
      'resnet-8 · power iteration not converged',
      'plain-8 (twin)',
    ]);
    expect(series[0]?.data).toEqual([
      [0, 1],
      [1, 3],
    ]);
    expect(series[1]?.data).toEqual([[1, 3]]);
    expect(yAxisOf(curvatureByEpochOption(en, nets, 'topEigenvalue')).type).toBe('value');
  });

  it('gives the trace error bars of ± one standard error, and a log axis when they stay positive over decades', () => {
    const nets = [{ label: 'resnet-8', arch: 'resnet', result: curvaturePoints([row(0, 1, 10), row(1, 3, 300)]) }];
    const option = curvatureByEpochOption(en, nets, 'trace');
    const [line, bars] = seriesOf(option);
    expect(line?.data).toEqual([
      [0, 10],
      [1, 300],
    ]);
    expect(bars?.type).toBe('custom');
    expect(bars?.data).toEqual([
      [0, 8, 12],
      [1, 298, 302],
    ]);
    expect(yAxisOf(option)).toMatchObject({
      type: 'log',
      name: 'trace of the Hessian (nats per unit weight²), log scale',
    });

    const crossesZero = [
      { label: 'resnet-8', arch: 'resnet', result: curvaturePoints([row(0, 1, 1), row(1, 3, 300)]) },
    ];
    expect(yAxisOf(curvatureByEpochOption(en, crossesZero, 'trace')).type).toBe('value');
  });

  it('names its axis and series in the page’s language', () => {
    const nets = [
      { label: 'resnet-8', arch: 'resnet', result: curvaturePoints([row(0, 1, 10), row(1, 3, 300, false)]) },
    ];
    const ko = chartWords('ko');
    expect(yAxisOf(curvatureByEpochOption(ko, nets, 'trace')).name).toBe('헤시안 대각합 (nats / 가중치²), 로그 눈금');
    expect(seriesOf(curvatureByEpochOption(ko, nets, 'topEigenvalue')).map((s) => s.name)).toEqual([
      'resnet-8',
      'resnet-8 · 거듭제곱 반복 미수렴',
    ]);
  });
});
