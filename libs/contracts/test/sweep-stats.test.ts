import { describe, expect, it } from 'vitest';
import {
  type DepthPoint,
  degradationVerdict,
  depthPoints,
  finalErrors,
  heldOutSplit,
  meanStd,
  type SweepRunDto,
  verdictSentences,
} from '../src/index.js';

// Expected values below are worked by hand, not taken from the code under test.

type Split = { accuracy: number } | null;

/** The fields of a sweep's run that the statistics read; the rest of RunDto does not matter here. */
function run(arch: string, depth: number, final: { train?: Split; val?: Split; test?: Split }): SweepRunDto {
  const split = (s: Split | undefined) => (s ? { epoch: 11, loss: 0.5, f1: 0.5, accuracy: s.accuracy } : null);
  return {
    config: { model: { arch, depth } },
    final: { train: split(final.train), val: split(final.val), test: split(final.test) },
  } as unknown as SweepRunDto;
}

/** Two seeds per net: training errors plain 10/12 and 15/17 %, resnet 9/7 and 6/4 % at depths 20 and 56. */
const fig6 = [
  run('plain', 20, { train: { accuracy: 0.9 }, test: { accuracy: 0.8 } }),
  run('plain', 20, { train: { accuracy: 0.88 }, test: { accuracy: 0.78 } }),
  run('plain', 56, { train: { accuracy: 0.85 }, test: { accuracy: 0.75 } }),
  run('plain', 56, { train: { accuracy: 0.83 }, test: { accuracy: 0.73 } }),
  run('resnet', 20, { train: { accuracy: 0.91 }, test: { accuracy: 0.81 } }),
  run('resnet', 20, { train: { accuracy: 0.93 }, test: { accuracy: 0.83 } }),
  run('resnet', 56, { train: { accuracy: 0.94 }, test: { accuracy: 0.84 } }),
  run('resnet', 56, { train: { accuracy: 0.96 }, test: { accuracy: 0.86 } }),
];

function expectPoint(actual: DepthPoint | undefined, expected: DepthPoint): void {
  expect(actual).toBeDefined();
  expect({ arch: actual?.arch, depth: actual?.depth, n: actual?.n }).toEqual({
    arch: expected.arch,
    depth: expected.depth,
    n: expected.n,
  });
  expect(actual?.mean).toBeCloseTo(expected.mean, 9);
  expect(actual?.std).toBeCloseTo(expected.std, 9);
}

describe('meanStd', () => {
  it('gives the mean and the sample standard deviation (n - 1)', () => {
    // mean 12; squared deviations 4 + 4 over n - 1 = 1: variance 8, std 2√2.
    const { mean, std } = meanStd([10, 14]);
    expect(mean).toBe(12);
    expect(std).toBeCloseTo(2 * Math.SQRT2, 12);
    // mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, over 3.
    expect(meanStd([1, 2, 3, 4]).std).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it('gives std 0 for a single value', () => {
    expect(meanStd([7])).toEqual({ mean: 7, std: 0 });
  });
});

describe('depthPoints', () => {
  it('pools the seeds of each net into its error in % (1 − accuracy), sorted by arch then depth', () => {
    const points = depthPoints(fig6, (r) => r.final.train);
    expect(points.map((p) => `${p.arch}${p.depth}`)).toEqual(['plain20', 'plain56', 'resnet20', 'resnet56']);
    // Errors 10 and 12 %: mean 11, std √2 (squared deviations 1 + 1 over 1).
    expectPoint(points[0], { arch: 'plain', depth: 20, mean: 11, std: Math.SQRT2, n: 2 });
    expectPoint(points[1], { arch: 'plain', depth: 56, mean: 16, std: Math.SQRT2, n: 2 });
    expectPoint(points[2], { arch: 'resnet', depth: 20, mean: 8, std: Math.SQRT2, n: 2 });
    expectPoint(points[3], { arch: 'resnet', depth: 56, mean: 5, std: Math.SQRT2, n: 2 });
  });

  it('leaves out runs that never reached the split', () => {
    const points = depthPoints([...fig6, run('plain', 20, {})], (r) => r.final.train);
    expect(points[0]?.n).toBe(2);
    expect(depthPoints([run('plain', 20, {})], (r) => r.final.train)).toEqual([]);
  });
});

describe('heldOutSplit and finalErrors', () => {
  it('uses test where runs have it, else validation', () => {
    expect(heldOutSplit(fig6)).toBe('test');
    expect(heldOutSplit([run('plain', 20, { train: { accuracy: 0.9 }, val: { accuracy: 0.8 } })])).toBe('val');
    expect(heldOutSplit([run('plain', 20, { train: { accuracy: 0.9 } })])).toBe('test');
  });

  it('pairs each net’s training error with its held-out error', () => {
    const table = finalErrors([...fig6, run('plain', 110, { train: { accuracy: 0.7 } })]);
    expect(table.split).toBe('test');
    expect(table.rows).toHaveLength(5);
    const plain20 = table.rows.find((row) => row.train.arch === 'plain' && row.train.depth === 20);
    // Test errors 20 and 22 %.
    expectPoint(plain20?.held, { arch: 'plain', depth: 20, mean: 21, std: Math.SQRT2, n: 2 });
    const plain110 = table.rows.find((row) => row.train.depth === 110);
    expectPoint(plain110?.train, { arch: 'plain', depth: 110, mean: 30, std: 0, n: 1 });
    expect(plain110?.held).toBeUndefined();
  });
});

describe('degradationVerdict and verdictSentences', () => {
  const points = depthPoints(fig6, (r) => r.final.train);

  it('measures both halves of Fig. 6 between the shallowest and deepest depth, std of a gap added in quadrature', () => {
    const verdict = degradationVerdict(points);
    expect(verdict).not.toBeNull();
    if (!verdict) return;
    expect([verdict.shallow, verdict.deep]).toEqual([20, 56]);
    // plain56 − plain20 = 16 − 11; plain56 − resnet56 = 16 − 5; resnet20 − resnet56 = 8 − 5; each std √(2 + 2) = 2.
    expect(verdict.degradation.mean).toBeCloseTo(5, 9);
    expect(verdict.residualGain.mean).toBeCloseTo(11, 9);
    expect(verdict.depthGain.mean).toBeCloseTo(3, 9);
    for (const gap of [verdict.degradation, verdict.residualGain, verdict.depthGain]) expect(gap.std).toBeCloseTo(2, 9);
    expect(verdict.spread).toBeCloseTo(Math.SQRT2, 9);
    expect(verdictSentences(verdict, points)).toEqual([
      'Degradation shows: plain-56 ends at 16.0% training error, plain-20 at 11.0% (+5.0 ± 2.0 points, spread over seeds 1.4).',
      'The shortcut removes it: resnet-56 ends at 5.0%, 11.0 points below plain-56 (+11.0 ± 2.0).',
      'Depth pays with shortcuts: resnet-56 (5.0%) is at or below resnet-20 (8.0%).',
    ]);
  });

  it('uses only depths both archs reached', () => {
    const withResnet110 = [...fig6, run('resnet', 110, { train: { accuracy: 0.99 } })];
    expect(degradationVerdict(depthPoints(withResnet110, (r) => r.final.train))?.deep).toBe(56);
  });

  it('says plainly when a half does not show', () => {
    // plain56 at 12 % against plain20 at 11 %: a gap of 1 point, under the spread of √2; resnet56 above resnet20.
    const flat: DepthPoint[] = [
      { arch: 'plain', depth: 20, mean: 11, std: Math.SQRT2, n: 2 },
      { arch: 'plain', depth: 56, mean: 12, std: Math.SQRT2, n: 2 },
      { arch: 'resnet', depth: 20, mean: 8, std: Math.SQRT2, n: 2 },
      { arch: 'resnet', depth: 56, mean: 11.5, std: Math.SQRT2, n: 2 },
    ];
    const verdict = degradationVerdict(flat);
    if (!verdict) throw new Error('expected a verdict');
    expect(verdictSentences(verdict, flat)).toEqual([
      'No clear degradation: plain-56 − plain-20 is +1.0 ± 2.0 points, not above the spread over seeds (1.4).',
      'resnet-56 is not clearly below plain-56: +0.5 ± 2.0 points, spread 1.4.',
      'Not shown at this budget: resnet-56 still trains 3.5 points above resnet-20 (11.5% against 8.0%); in He et al. the deeper residual net pulls ahead only over many more iterations.',
    ]);
  });

  it('is null for a sweep that is not a plain-vs-residual ablation at two depths', () => {
    expect(degradationVerdict(points.filter((p) => p.depth === 20))).toBeNull();
    expect(degradationVerdict(points.filter((p) => p.arch === 'resnet'))).toBeNull();
  });
});
