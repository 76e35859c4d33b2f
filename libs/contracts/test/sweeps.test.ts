import { describe, expect, it } from 'vitest';
import {
  degradationTemplate,
  expandSweep,
  GRID_ALIASES,
  MAX_SWEEP_RUNS,
  SweepSpec,
  type SweepSpecInput,
} from '../src/index.js';

const base = { model: { arch: 'resnet', depth: 20 }, data: { dataset: 'fashion-mnist' }, epochs: 1 };

function expand(input: Partial<SweepSpecInput>) {
  return expandSweep(SweepSpec.parse({ name: 'test sweep', base, ...input }));
}

function runsOf(input: Partial<SweepSpecInput>) {
  const result = expand(input);
  if (!result.ok) throw new Error(`expected runs, got issues: ${JSON.stringify(result.issues)}`);
  return result.runs;
}

describe('expandSweep', () => {
  it('expands a grid into its cartesian product, the last axis varying fastest', () => {
    const runs = runsOf({ grid: { 'model.depth': [20, 56], 'model.arch': ['plain', 'resnet'], seed: [0, 1, 2] } });
    expect(runs).toHaveLength(2 * 2 * 3);
    expect(runs.map((run) => run.params)).toEqual(
      [20, 56].flatMap((depth) =>
        ['plain', 'resnet'].flatMap((arch) =>
          [0, 1, 2].map((seed) => ({ 'model.depth': depth, 'model.arch': arch, seed })),
        ),
      ),
    );
    // Every combination lands in its config; the base fills the rest.
    expect(runs[0]?.config.model).toMatchObject({ arch: 'plain', depth: 20 });
    expect(runs[0]?.config.seed).toBe(0);
    expect(runs[11]?.config.model).toMatchObject({ arch: 'resnet', depth: 56 });
    expect(runs[11]?.config.seed).toBe(2);
    for (const run of runs) expect(run.config.data.dataset).toBe('fashion-mnist');
  });

  it('names each run by its grid values, arch and depth first', () => {
    const runs = runsOf({ grid: { seed: [1], 'model.arch': ['plain'], 'model.depth': [56] } });
    expect(runs.map((run) => run.name)).toEqual(['plain56 seed1']);
  });

  it('gives one run, named after the sweep, for an empty grid', () => {
    const runs = runsOf({});
    expect(runs).toHaveLength(1);
    expect(runs[0]?.name).toBe('test sweep');
    expect(runs[0]?.params).toEqual({});
    expect(runs[0]?.config.model).toMatchObject({ arch: 'resnet', depth: 20 });
  });

  it('reads the short names as the dotted paths they stand for', () => {
    const runs = runsOf({ grid: { arch: ['plain'], depth: [32], lr: [0.05], batchSize: [64] } });
    expect(runs[0]?.params).toEqual({
      'model.arch': 'plain',
      'model.depth': 32,
      'optim.lr': 0.05,
      'optim.batchSize': 64,
    });
    expect(runs[0]?.config.model).toMatchObject({ arch: 'plain', depth: 32 });
    expect(runs[0]?.config.optim).toMatchObject({ lr: 0.05, batchSize: 64 });
    for (const [alias, path] of Object.entries(GRID_ALIASES)) expect(path.split('.'), alias).toHaveLength(2);
  });

  it('overrides a base field without touching its siblings, and never changes the spec it was given', () => {
    const spec = SweepSpec.parse({
      name: 'x',
      base: { ...base, optim: { lr: 0.1, momentum: 0.8 } },
      grid: { 'optim.lr': [0.01, 0.2] },
    });
    const before = structuredClone(spec);
    const result = expandSweep(spec);
    expect(result.ok && result.runs.map((run) => [run.config.optim.lr, run.config.optim.momentum])).toEqual([
      [0.01, 0.8],
      [0.2, 0.8],
    ]);
    expect(spec).toEqual(before);
  });

  it(`refuses more than MAX_SWEEP_RUNS (${MAX_SWEEP_RUNS}) runs, naming the grid and the count, before expanding`, () => {
    const seeds = Array.from({ length: 1000 }, (_, i) => i);
    expect(expand({ grid: { seed: seeds, 'optim.lr': [0.1, 0.2] } }).ok).toBe(true);
    expect(expand({ grid: { seed: seeds, 'optim.lr': [0.1, 0.2, 0.3] } })).toEqual({
      ok: false,
      issues: [{ path: 'grid', message: `expands to 3000 runs; at most ${MAX_SWEEP_RUNS}` }],
    });
  });

  it('names the run, the field and the combination of every config that breaks the contract', () => {
    const result = expand({ grid: { depth: [20, 21], seed: [0, 1] } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    // Runs 2 and 3 (depth 21, both seeds) fail; runs 0 and 1 are fine.
    expect(result.issues.map((issue) => issue.path)).toEqual(['runs[2].model.depth', 'runs[3].model.depth']);
    expect(result.issues[0]?.message).toMatch(/resnet21 is not a known network/);
    expect(result.issues[0]?.message).toMatch(/\(combination model\.depth=21, seed=0\)$/);
    expect(result.issues[1]?.message).toMatch(/\(combination model\.depth=21, seed=1\)$/);
  });

  it('names an unknown grid key as the config field it would set', () => {
    const result = expand({ grid: { 'model.colour': ['red'] } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.path).toBe('runs[0].model');
    expect(result.issues[0]?.message).toMatch(/colour/);
  });

  it('says "base" when the base alone is invalid', () => {
    const result = expandSweep(SweepSpec.parse({ name: 'x', base: { model: { arch: 'resnet' } } }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.issues.some(
        (issue) => issue.path === 'runs[0].model.depth' && issue.message.endsWith('(combination base)'),
      ),
    ).toBe(true);
  });

  it("expands the demo's degradation template into 16 valid runs: 4 depths x plain/resnet x 2 seeds", () => {
    const runs = runsOf(degradationTemplate());
    expect(runs).toHaveLength(16);
    expect(new Set(runs.map((run) => run.name)).size).toBe(16);
    expect(runs.map((run) => run.name)).toContain('plain56 seed1');
  });
});
