import { z } from 'zod';
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
    team: z.string().default('default'),
    project: z.string().default('default'),
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
 * The degradation ablation of He et al. 2016 (Fig. 6, §4.2): plain vs residual
 * CIFAR-style nets at depths 20-56, several seeds. On Fashion-MNIST it shows
 * within minutes on a CPU (COURSE.md, "A measurement to build the demo on").
 */
export function degradationTemplate(): SweepSpecInput {
  return {
    name: 'degradation: plain vs residual',
    experiment: 'degradation',
    base: {
      data: { dataset: 'fashion-mnist', trainSubset: 20000, valSize: 2000 },
      optim: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 128 },
      epochs: 2,
    },
    grid: { 'model.arch': ['plain', 'resnet'], 'model.depth': [20, 32, 44, 56], seed: [0, 1, 2] },
  };
}
