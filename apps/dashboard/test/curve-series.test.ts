import { describe, expect, it } from 'vitest';
import { type CurveRun, netCurves, seriesSummary } from '../lib/curve-series.js';
import { mergeTrainCurves } from '../lib/train-curves.js';

const run = (i: number, arch: string, depth: number, epochs = 3): CurveRun => ({
  id: `run-${i}`,
  label: `${arch}${depth} #${i}`,
  arch,
  depth,
  points: Array.from({ length: epochs }, (_, e): [number, number] => [e + 1, 50 - e - i / 1000]),
});

describe('netCurves', () => {
  it('draws the runs of each net as one series, each run a stretch broken from the next, no point lost', () => {
    const runs = Array.from({ length: 60 }, (_, i) => run(i, i % 2 ? 'plain' : 'resnet', i % 3 ? 20 : 56));
    const nets = netCurves(runs);
    expect(nets.map((n) => n.label).sort()).toEqual([
      'plain-20 (20 runs)',
      'plain-56 (10 runs)',
      'resnet-20 (20 runs)',
      'resnet-56 (10 runs)',
    ]);
    const plain56 = nets.find((n) => n.id === 'plain-56');
    // 10 runs of 3 epochs: 30 points and 9 gaps, each gap at the first epoch of the run after it.
    expect(plain56?.points).toHaveLength(39);
    expect(plain56?.points[3]).toEqual([1, null]);
    expect(plain56?.points[4]).toEqual(runs.filter((r) => r.arch === 'plain' && r.depth === 56)[1]?.points[0]);
    const option = { series: nets.map((n) => ({ name: n.label, data: n.points })) };
    expect(seriesSummary(option).reduce((total, s) => total + s.points, 0)).toBe(runs.length * 3);
  });

  it('gives a net of one run its curve unbroken', () => {
    const [only] = netCurves([run(0, 'resnet', 110)]);
    expect(only?.label).toBe('resnet-110 (1 run)');
    expect(only?.points).toEqual(run(0, 'resnet', 110).points);
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
