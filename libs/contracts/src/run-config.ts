import { z } from 'zod';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Network families the engine registers. A registry name is `${arch}${depth}`:
 * CIFAR depths (6n+2: 20, 32, 44, 56, 110, 1202) and ImageNet depths
 * (18, 34, 50, 101, 152) never collide, so the depth alone picks the family.
 */
export const ARCHS = ['resnet', 'plain', 'preact_resnet'] as const;
export const DATASETS = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'synthetic'] as const;
export const SCHEDULES = ['constant', 'step', 'cosine', 'onecycle'] as const;

export const ModelConfig = z
  .object({
    arch: z.enum(ARCHS),
    depth: z.int().min(2).max(2000),
    /** Filters of the first stage: 16 in He et al. 2016 §4.2, 64 for ImageNet nets. */
    width: z.int().min(1).max(1024).optional(),
    /** Option A: parameter-free zero-padded identity; B: 1x1 projection (He et al. 2016 §3.3). */
    shortcut: z.enum(['A', 'B']).default('A'),
  })
  .strict();

export const DataConfig = z
  .object({
    dataset: z.enum(DATASETS),
    /** Directory holding the data set's files; the engine searches known places when absent. */
    root: z.string().min(1).optional(),
    /** Use only the first N training images (before the validation split is taken). */
    trainSubset: z.int().positive().optional(),
    /** Images held out of the training set for validation (5k in He et al. 2016 §4.2). */
    valSize: z.int().nonnegative().default(5000),
    /** Evaluate on only the first N test images. */
    testSubset: z.int().positive().optional(),
    /** Pad-and-crop plus horizontal flip, per image, on whole batches. */
    augment: z.boolean().default(false),
  })
  .strict();

export const OptimConfig = z
  .object({
    lr: z.number().positive().max(10).default(0.1),
    momentum: z.number().min(0).max(1).default(0.9),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).max(1).default(1e-4),
    batchSize: z.int().min(1).max(65536).default(128),
    schedule: z.enum(SCHEDULES).default('constant'),
    labelSmoothing: z.number().min(0).max(1).default(0),
  })
  .strict();

export const RunConfig = z
  .object({
    version: z.literal(PROTOCOL_VERSION).default(PROTOCOL_VERSION),
    model: ModelConfig,
    data: DataConfig,
    optim: OptimConfig.default(OptimConfig.parse({})),
    epochs: z.int().min(1).max(10000),
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  })
  .strict();

export type RunConfig = z.infer<typeof RunConfig>;
export type RunConfigInput = z.input<typeof RunConfig>;
