import type { EpochMetricDto } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { runCurvesOption } from '../lib/chart-options.js';
import { drawnSplits, seriesSummary } from '../lib/curve-series.js';

const epoch = (n: number, split: string) =>
  ({ epoch: n, split, loss: 1 / n, accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5 }) as EpochMetricDto;

describe("a run's per-epoch curves: a series per split it has", () => {
  it('draws a run that logged only its test split (the course loop)', () => {
    const metrics = [epoch(1, 'test'), epoch(2, 'test'), epoch(3, 'test')];
    expect(seriesSummary(runCurvesOption(metrics, ['loss'], 'loss'))).toEqual([{ name: 'test', points: 3 }]);
    expect(seriesSummary(runCurvesOption(metrics, ['precision', 'f1'], '%'))).toEqual([
      { name: 'Precision (macro) · test', points: 3 },
      { name: 'F1 (macro) · test', points: 3 },
    ]);
  });

  it("draws an engine run's train and val, and its test epoch once it has one", () => {
    const trained = [epoch(1, 'train'), epoch(1, 'val'), epoch(2, 'train'), epoch(2, 'val')];
    expect(seriesSummary(runCurvesOption(trained, ['loss'], 'loss'))).toEqual([
      { name: 'train', points: 2 },
      { name: 'val', points: 2 },
    ]);
    const tested = [...trained, epoch(2, 'test')];
    expect(seriesSummary(runCurvesOption(tested, ['loss'], 'loss')).map((s) => [s.name, s.points])).toEqual([
      ['train', 2],
      ['val', 2],
      ['test', 1],
    ]);
  });

  it("keeps val in the legend while an epoch's val is being evaluated, and orders other splits after test", () => {
    expect(drawnSplits([epoch(1, 'train')])).toEqual(['train', 'val']);
    expect(drawnSplits([epoch(1, 'test'), epoch(1, 'holdout'), epoch(1, 'val')])).toEqual([
      'train',
      'val',
      'test',
      'holdout',
    ]);
    expect(drawnSplits([])).toEqual([]);
  });
});
