import { describe, expect, it } from 'vitest';
import {
  type DepthPoint,
  degradationVerdict,
  describeRecipe,
  finalErrors,
  iterationBudget,
  meanStd,
  RunConfig,
  type SweepRunDto,
} from '../src/index.js';

const cifar = RunConfig.parse({
  model: { arch: 'resnet', depth: 20 },
  data: { dataset: 'cifar10', valSize: 5000, augment: true },
  optim: { schedule: 'step', milestones: [0.5, 0.75] },
  epochs: 182,
});

describe('iterationBudget', () => {
  it("counts He et al.'s CIFAR-10 recipe as the engine steps it: 352 x 182 = 64,064, drops at 32,032 and 48,048", () => {
    expect(iterationBudget(cifar)).toEqual({
      trainImages: 45000,
      iterationsPerEpoch: 352, // ceil(45,000 / 128): the last, smaller batch is a step too
      iterations: 64064,
      lrDrops: [32032, 48048],
    });
  });

  it('takes the subset before the validation split, and has no drops on a constant schedule', () => {
    const small = RunConfig.parse({
      model: { arch: 'plain', depth: 56 },
      data: { dataset: 'fashion-mnist', trainSubset: 20000, valSize: 2000 },
      epochs: 12,
    });
    expect(iterationBudget(small)).toEqual({
      trainImages: 18000,
      iterationsPerEpoch: 141,
      iterations: 1692,
      lrDrops: [],
    });
  });

  it('is unknown for an image folder, whose size only the engine learns', () => {
    const folder = RunConfig.parse({
      model: { arch: 'resnet', depth: 20 },
      data: { dataset: 'imagefolder', root: 'pets' },
      epochs: 1,
    });
    expect(iterationBudget(folder)).toBeNull();
    expect(describeRecipe(folder)).toContain('1 epochs');
  });
});

describe('describeRecipe', () => {
  it('states the data, the budget in iterations and the schedule', () => {
    const text = describeRecipe(cifar);
    expect(text).toContain('45,000 training images');
    expect(text).toContain('64,064 iterations');
    expect(text).toContain('divided by 10 at iterations 32,032 and 48,048');
    expect(text).toContain('Test error is measured once');
  });
});

describe('degradationVerdict', () => {
  const point = (arch: string, depth: number, errors: number[]): DepthPoint => ({
    arch,
    depth,
    n: errors.length,
    ...meanStd(errors),
  });

  it('reads both halves of Fig. 6 from the shallowest and deepest depth', () => {
    const verdict = degradationVerdict([
      point('plain', 20, [10, 12]),
      point('plain', 32, [14, 15]),
      point('plain', 56, [30, 34]),
      point('resnet', 20, [9, 11]),
      point('resnet', 56, [12, 12]),
    ]);
    expect(verdict).not.toBeNull();
    expect(verdict?.shallow).toBe(20);
    expect(verdict?.deep).toBe(56);
    expect(verdict?.degradation.mean).toBeCloseTo(21);
    expect(verdict?.residualGain.mean).toBeCloseTo(20);
    expect(verdict?.depthGain.mean).toBeCloseTo(-2); // resnet-56 still above resnet-20: said, not hidden
    expect(verdict?.spread).toBeCloseTo(Math.SQRT2 * 2); // std of plain-56's [30, 34]
  });

  it('needs both architectures at two depths', () => {
    expect(degradationVerdict([point('plain', 20, [10]), point('plain', 56, [30])])).toBeNull();
  });
});

describe('finalErrors', () => {
  const run = (arch: string, depth: number, train: number, test: number | null) =>
    ({
      config: { model: { arch, depth } },
      final: {
        train: { epoch: 2, loss: 0, accuracy: 1 - train, f1: 0 },
        val: null,
        test: test === null ? null : { epoch: 2, loss: 0, accuracy: 1 - test, f1: 0 },
      },
    }) as unknown as SweepRunDto;

  it('pairs each net’s training error with its test error, over seeds', () => {
    const { split, rows } = finalErrors([
      run('plain', 20, 0.1, 0.2),
      run('plain', 20, 0.3, 0.4),
      run('resnet', 20, 0.05, null),
    ]);
    expect(split).toBe('test');
    expect(rows.map((r) => [`${r.train.arch}${r.train.depth}`, r.train.n, r.train.mean, r.held?.mean])).toEqual([
      ['plain20', 2, expect.closeTo(20), expect.closeTo(30)],
      ['resnet20', 1, expect.closeTo(5), undefined],
    ]);
  });
});
