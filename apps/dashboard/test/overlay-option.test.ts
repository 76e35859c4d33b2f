import { describe, expect, it } from 'vitest';
import { type CurveRun, overlayOption, RUN_SERIES_MAX, seriesSummary } from '../lib/chart-options.js';
import { mergeTrainCurves } from '../lib/page-data.js';

const run = (i: number, arch: string, depth: number, epochs = 3): CurveRun => ({
  id: `run-${i}`,
  label: `${arch}${depth} #${i}`,
  arch,
  depth,
  points: Array.from({ length: epochs }, (_, e): [number, number] => [e + 1, 50 - e - i / 1000]),
});

type Series = { name: string; data: [number, number | null][]; sampling?: string };
const seriesOf = (option: ReturnType<typeof overlayOption>) => (option as { series: Series[] }).series;

describe('overlayOption', () => {
  it('draws up to RUN_SERIES_MAX runs as a series each, named in the legend', () => {
    const runs = Array.from({ length: RUN_SERIES_MAX }, (_, i) => run(i, i % 2 ? 'plain' : 'resnet', 20));
    const option = overlayOption(runs, 'error (%)', 'run');
    expect(seriesOf(option).map((s) => s.name)).toEqual(runs.map((r) => r.label));
    expect(seriesSummary(option).every((s) => s.points === 3)).toBe(true);
  });

  it('draws more runs as one series per net, each run a stretch broken from the next, no point lost', () => {
    const runs = Array.from({ length: RUN_SERIES_MAX + 10 }, (_, i) =>
      run(i, i % 2 ? 'plain' : 'resnet', i % 3 ? 20 : 56),
    );
    const option = overlayOption(runs, 'error (%)', 'arch');
    const series = seriesOf(option);
    expect(series.map((s) => s.name).sort()).toEqual([
      'plain-20 (20 runs)',
      'plain-56 (10 runs)',
      'resnet-20 (20 runs)',
      'resnet-56 (10 runs)',
    ]);
    // Sampling would join runs across the gaps.
    expect(series.every((s) => s.sampling === undefined)).toBe(true);
    const plain56 = series.find((s) => s.name.startsWith('plain-56'));
    // 10 runs of 3 epochs: 30 points and 9 gaps, each gap before the first epoch of the next run.
    expect(plain56?.data).toHaveLength(39);
    expect(plain56?.data[3]).toEqual([1, null]);
    expect(plain56?.data[4]?.[0]).toBe(1);
    expect(seriesSummary(option).reduce((n, s) => n + s.points, 0)).toBe(runs.length * 3);
  });
});

describe('mergeTrainCurves', () => {
  it('keeps the loaded epochs and takes the streamed ones over them', () => {
    const loaded = {
      a: [
        [1, 90],
        [2, 80],
      ] as [number, number][],
      b: [[1, 70]] as [number, number][],
    };
    const streamed = {
      a: [
        [2, 79],
        [3, 60],
      ] as [number, number][],
      c: [[1, 95]] as [number, number][],
    };
    expect(mergeTrainCurves(loaded, streamed)).toEqual({
      a: [
        [1, 90],
        [2, 79],
        [3, 60],
      ],
      b: [[1, 70]],
      c: [[1, 95]],
    });
  });
});
