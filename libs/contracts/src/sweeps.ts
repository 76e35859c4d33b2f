import { z } from 'zod';
import { ProjectRef } from './project-ref.js';
import { RunConfig } from './run-config.js';

/**
 * A sweep is a declarative grid: a base config plus, for some config fields,
 * a list of values. It expands into the cartesian product of those lists, one
 * run per combination, every one validated before anything is stored.
 *
 * Grid keys are dotted paths into RunConfig (`model.depth`, `optim.lr`), or one
 * of the short names in GRID_ALIASES.
 */
export const GRID_ALIASES: Record<string, string> = {
  arch: 'model.arch',
  depth: 'model.depth',
  width: 'model.width',
  shortcut: 'model.shortcut',
  dataset: 'data.dataset',
  lr: 'optim.lr',
  batchSize: 'optim.batchSize',
  weightDecay: 'optim.weightDecay',
  schedule: 'optim.schedule',
};

const GridValue = z.union([z.string(), z.number(), z.boolean()]);

export const SweepSpec = z
  .object({
    /** As in CreateRunRequest: `team/project`, or a project slug; the team comes from the credential. */
    project: ProjectRef.default('default'),
    experiment: z.string().min(1).max(200).optional(),
    name: z.string().min(1).max(200),
    description: z.string().max(10000).optional(),
    /** Fields shared by every run; the grid overrides them. */
    base: z.record(z.string(), z.unknown()).default({}),
    grid: z.record(z.string(), z.array(GridValue).min(1).max(1000)).default({}),
    /** Higher runs first. */
    priority: z.int().min(-100).max(100).default(0),
    /** Attempts a run gets before it is failed for good (lease expiries count). */
    maxAttempts: z.int().min(1).max(20).default(3),
  })
  .strict();
export type SweepSpec = z.infer<typeof SweepSpec>;
export type SweepSpecInput = z.input<typeof SweepSpec>;

/** Most runs one sweep may expand into; a typo in a grid should not flood the queue. */
export const MAX_SWEEP_RUNS = 2000;

export interface SweepRunPlan {
  /** e.g. `resnet20 seed1`. */
  name: string;
  /** The grid values that made this run, by dotted path. */
  params: Record<string, string | number | boolean>;
  config: RunConfig;
}

export interface SweepIssue {
  path: string;
  message: string;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node[key] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function runName(params: Record<string, string | number | boolean>): string {
  const arch = params['model.arch'];
  const depth = params['model.depth'];
  const rest = Object.entries(params)
    .filter(([path]) => path !== 'model.arch' && path !== 'model.depth')
    .map(([path, value]) => `${path.split('.').pop()}${value}`);
  return [arch !== undefined || depth !== undefined ? `${arch ?? ''}${depth ?? ''}` : '', ...rest]
    .filter(Boolean)
    .join(' ');
}

/**
 * Expands a sweep into its runs, or lists every problem: unknown grid keys,
 * too many runs, and each combination whose config breaks the contract.
 */
export function expandSweep(spec: SweepSpec): { ok: true; runs: SweepRunPlan[] } | { ok: false; issues: SweepIssue[] } {
  const axes = Object.entries(spec.grid).map(([key, values]) => [GRID_ALIASES[key] ?? key, values] as const);
  const total = axes.reduce((n, [, values]) => n * values.length, 1);
  if (total > MAX_SWEEP_RUNS) {
    return { ok: false, issues: [{ path: 'grid', message: `expands to ${total} runs; at most ${MAX_SWEEP_RUNS}` }] };
  }
  const issues: SweepIssue[] = [];
  const runs: SweepRunPlan[] = [];
  for (let index = 0; index < total; index++) {
    const config = structuredClone(spec.base) as Record<string, unknown>;
    const params: Record<string, string | number | boolean> = {};
    let rest = index;
    for (let axis = axes.length - 1; axis >= 0; axis--) {
      const [path, values] = axes[axis] as (typeof axes)[number];
      const value = values[rest % values.length] as string | number | boolean;
      rest = Math.floor(rest / values.length);
      params[path] = value;
    }
    const ordered = Object.fromEntries(axes.map(([path]) => [path, params[path] as string | number | boolean]));
    for (const [path, value] of Object.entries(ordered)) setPath(config, path, value);
    const parsed = RunConfig.safeParse(config);
    if (!parsed.success) {
      const where = Object.entries(ordered)
        .map(([p, v]) => `${p}=${v}`)
        .join(', ');
      for (const issue of parsed.error.issues) {
        issues.push({
          path: `runs[${index}].${issue.path.map(String).join('.')}`,
          message: `${issue.message} (combination ${where || 'base'})`,
        });
      }
      continue;
    }
    runs.push({ name: runName(ordered) || spec.name, params: ordered, config: parsed.data });
  }
  return issues.length ? { ok: false, issues } : { ok: true, runs };
}

/**
 * The degradation ablation of He et al. 2016 (Fig. 6, §4.2): plain vs residual CIFAR-style nets, several seeds,
 * with the paper's He initialisation, BatchNorm and step schedule, on a budget a 2-core CPU can afford. The
 * fidelity study (docs/degradation-study.md) measured which levers keep the cost down without changing the
 * science:
 * - 14 px Fashion-MNIST (a 2x2 mean of 28 px) costs a quarter of 28 px per step, so the budget buys 4x the
 *   iterations; both halves of Fig. 6 need iterations far more than they need pixels;
 * - the paper's step schedule (lr ÷10 at 50% and 75%) settles the final training error and the BatchNorm running
 *   statistics, so a constant lr's noise does not decide the plot;
 * - 18k training images, 2k for validation: 141 iterations an epoch, 12 epochs = 1,692 iterations.
 * `make demo` runs it at depths 20 and 56 with 2 seeds (8 runs, about 12 minutes on 2 cores).
 */
export function degradationTemplate(): SweepSpecInput {
  return {
    name: 'degradation: plain vs residual',
    experiment: 'degradation',
    description:
      'He et al. 2016, Fig. 6 on a CPU budget: plain nets train worse as they get deeper, residual nets do not.',
    base: {
      data: { dataset: 'fashion-mnist', trainSubset: 20000, valSize: 2000, imageSize: 14 },
      optim: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 128, schedule: 'step', milestones: [0.5, 0.75] },
      epochs: 12,
    },
    grid: { 'model.depth': [20, 32, 44, 56], 'model.arch': ['plain', 'resnet'], seed: [0, 1] },
  };
}

/**
 * He et al. 2016 §4.2 in full, for GPU workers: CIFAR-10 with a 45k/5k train/val split, 4-pixel pad-and-crop and
 * horizontal flip, batch 128, SGD (momentum 0.9, weight decay 1e-4), lr 0.1 divided by 10 at 32k and 48k of 64k
 * iterations. 45,000 / 128 rounds up to 352 steps an epoch, so 182 epochs are 64,064 iterations, with the drops at
 * 32,032 and 48,048. Published test errors (Table 6): ResNet-20 8.75%, -32 7.51%, -44 7.17%, -56 6.97%.
 * `apps/cli/examples/he2016-cifar10.yaml` is the same sweep as a file (a test keeps the two equal).
 */
export function he2016Cifar10Template(): SweepSpecInput {
  return {
    name: 'He et al. 2016 Fig. 6: CIFAR-10, plain vs residual',
    experiment: 'he2016-cifar10',
    base: {
      data: { dataset: 'cifar10', valSize: 5000, augment: true },
      optim: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 128, schedule: 'step', milestones: [0.5, 0.75] },
      epochs: 182,
    },
    grid: { arch: ['plain', 'resnet'], depth: [20, 32, 44, 56], seed: [0, 1] },
  };
}

/**
 * Depth 110 adds the paper's warm-up: "0.01 to warm up the training until the training error is below 80% (about
 * 400 iterations), and then go back to 0.1"; the engine warms up for a fixed 400 iterations. Published: 6.43%
 * (best of 5 runs; 6.61 ± 0.16). Same as `apps/cli/examples/he2016-cifar10-110.yaml`.
 */
export function he2016Cifar10Depth110Template(): SweepSpecInput {
  const template = he2016Cifar10Template();
  const base = template.base as { optim: Record<string, unknown> };
  return {
    ...template,
    name: 'He et al. 2016: CIFAR-10, depth 110',
    base: { ...template.base, optim: { ...base.optim, warmup: { lr: 0.01, iterations: 400 } } },
    grid: { arch: ['plain', 'resnet'], depth: [110], seed: [0, 1] },
  };
}

/** The sweeps `GET /sweeps/templates` offers, by name. */
export const SWEEP_TEMPLATES: Record<string, () => SweepSpecInput> = {
  degradation: degradationTemplate,
  'he2016-cifar10': he2016Cifar10Template,
  'he2016-cifar10-110': he2016Cifar10Depth110Template,
};
