import { z } from 'zod';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Network families the engine registers. A registry name is `${arch}${depth}`:
 * CIFAR depths (6n+2: 20, 32, 44, 56, 110, 1202) and ImageNet depths
 * (18, 34, 50, 101, 152) never collide, so the depth alone picks the family.
 */
export const ARCHS = ['resnet', 'plain', 'preact_resnet'] as const;
export const DATASETS = ['fashion-mnist', 'mnist', 'cifar10', 'cifar100', 'imagefolder', 'synthetic'] as const;
export const SCHEDULES = ['constant', 'step', 'cosine', 'onecycle'] as const;

export const ModelConfig = z
  .object({
    arch: z.enum(ARCHS),
    depth: z.int().min(2).max(2000),
    /** Filters of the first stage: 16 in He et al. 2016 §4.2, 64 for ImageNet nets. */
    width: z.int().min(1).max(1024).optional(),
    /** Option A: parameter-free zero-padded identity; B: 1x1 projection (He et al. 2016 §3.3). */
    shortcut: z.enum(['A', 'B']).default('A'),
    /** Zero the last BN of each residual branch, so every block starts as the identity (Goyal et al. 2017). */
    zeroInitResidual: z.boolean().default(false),
    /** Classes of the head; taken from the data set when absent, an error when it disagrees with it. */
    numClasses: z.int().min(2).max(100000).optional(),
    /**
     * BatchNorm's running-statistics momentum: the weight of the newest batch (PyTorch's convention, default 0.1,
     * i.e. an average over about 10 batches). It decides only the eval-mode statistics, never training.
     */
    bnMomentum: z.number().gt(0).max(1).optional(),
  })
  .strict()
  .superRefine((model, ctx) => {
    if (!isKnownDepth(model.arch, model.depth)) {
      ctx.addIssue({
        code: 'custom',
        path: ['depth'],
        message: `${model.arch}${model.depth} is not a known network: depth must be 6n+2 (CIFAR family: 20, 32, 44, 56, 110, 1202)${model.arch === 'preact_resnet' ? ', 9n+2 (pre-activation bottleneck: 164, 1001)' : ''} or one of ${IMAGENET_DEPTHS.join(', ')} (ImageNet family)`,
      });
    }
  });

/** He et al. 2016, Table 1 (ImageNet) and §4.2 (CIFAR, 6n+2); He et al. 2016b §4 (pre-activation bottleneck, 9n+2). */
export const IMAGENET_DEPTHS = [18, 34, 50, 101, 152] as const;

export function isKnownDepth(arch: (typeof ARCHS)[number], depth: number): boolean {
  if ((IMAGENET_DEPTHS as readonly number[]).includes(depth)) return true;
  if (depth >= 8 && (depth - 2) % 6 === 0) return true;
  return arch === 'preact_resnet' && depth >= 11 && (depth - 2) % 9 === 0;
}

/**
 * `data.root` names a folder under the data folders a worker was started with (RESLAB_DATA_DIRS), e.g. `pets` or
 * `cifar/cifar-10-batches-py`; it is never a path on the server. A run config is written by any team member, and a
 * free path would let one read (and, with `download`, write) wherever the worker can. The engine checks the name
 * again after resolving symlinks (libs/engine reslab_engine/data/locate.py): these checks are the first wall, not
 * the only one.
 */
export const DataRootName = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => !s.includes('\u0000'), 'data.root must not contain NUL bytes')
  .refine((s) => !s.includes('\\'), 'data.root must use / between folders, not backslashes')
  .refine(
    (s) => !s.startsWith('/'),
    "data.root is a folder name under the worker's data folders (RESLAB_DATA_DIRS), not an absolute path",
  )
  .refine(
    (s) => !s.split('/').includes('..'),
    "data.root must not contain '..': it names a folder inside a data folder",
  )
  .describe("A folder name under the worker's data folders (RESLAB_DATA_DIRS), e.g. 'pets'; no absolute path or '..'");

export const DataConfig = z
  .object({
    dataset: z.enum(DATASETS),
    /** A folder NAME under the worker's data folders (DataRootName); the engine searches known places when absent. */
    root: DataRootName.optional(),
    /** Use only the first N training images (before the validation split is taken). */
    trainSubset: z.int().positive().optional(),
    /** Images held out of the training set for validation (5k in He et al. 2016 §4.2). */
    valSize: z.int().nonnegative().default(5000),
    /** Evaluate on only the first N test images. */
    testSubset: z.int().positive().optional(),
    /** Pad-and-crop plus horizontal flip, per image, on whole batches. */
    augment: z.boolean().default(false),
    /**
     * Side, in pixels, that every image is resized to once at load (antialiased). For ImageFolder it is the
     * decode size (default 32); for the tensor data sets it shrinks the cost of a step: 14 px Fashion-MNIST
     * costs about a quarter of 28 px.
     */
    imageSize: z.int().min(8).max(1024).optional(),
    /** ImageFolder only: a corrupt image stops the run naming the file, or is skipped and counted. */
    onCorruptImage: z.enum(['error', 'skip']).default('error'),
    /** Download a missing data set (SHA-256 verified) instead of failing. */
    download: z.boolean().default(false),
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
    /**
     * `step`: divide lr by 10 at these fractions of all iterations. He et al. 2016 §4.2 divide at 32k and 48k
     * of 64k iterations, i.e. [0.5, 0.75].
     */
    milestones: z.array(z.number().gt(0).lt(1)).max(10).default([0.5, 0.75]),
    /** Constant lr for the first iterations; He et al. 2016 use 0.01 for ResNet-110 until training error < 80%. */
    warmup: z
      .object({ lr: z.number().positive().max(10), iterations: z.int().positive() })
      .strict()
      .optional(),
  })
  .strict();

export const TrainConfig = z
  .object({
    /** NHWC memory layout: faster convolutions on CPU and on tensor cores. */
    channelsLast: z.boolean().default(true),
    /** bf16 autocast on CUDA; `auto` turns it on where the device supports it, never on CPU. */
    amp: z.enum(['auto', 'bf16', 'off']).default('auto'),
    compile: z.boolean().default(false),
    /**
     * Under DDP (resources.gpus x resources.nodes > 1): BatchNorm statistics over the global batch instead of each
     * replica's share of it (torch.nn.SyncBatchNorm). Off by default, as in torchvision's reference scripts: the
     * per-replica statistics of a large enough share differ little, and the sync costs an all-reduce per BN layer.
     */
    syncBatchNorm: z.boolean().default(false),
  })
  .strict();

/**
 * What a run holds while it trains. `gpus` processes per node, one per GPU (on a CPU worker, one per slot), and
 * `nodes` workers in one gang: more than one process trains under torch.distributed (DDP), launched by torchrun.
 * `optim.batchSize` stays the global batch, split evenly over the gpus x nodes replicas, so a run's curve does not
 * depend on how many devices it had.
 */
export const ResourcesConfig = z
  .object({
    gpus: z.int().min(1).max(64).default(1),
    nodes: z.int().min(1).max(64).default(1),
  })
  .strict();

export const DiagnosticsConfig = z
  .object({
    /** Batches averaged for the per-block gradient and activation norms each epoch; 0 turns them off. */
    gradFlowBatches: z.int().min(0).max(100).default(4),
    /**
     * Every this many epochs (and at epoch 0, the net at initialisation), the Hessian's top eigenvalue and trace on
     * `curvatureImages` fixed training images: a `curvature` event. 0 turns it off; each costs up to 28 Hessian-vector products (20 power-iteration steps, 8 probes).
     */
    curvatureEvery: z.int().min(0).max(10000).default(0),
    curvatureImages: z.int().min(1).max(10000).default(256),
  })
  .strict();

export const RunConfig = z
  .object({
    version: z.literal(PROTOCOL_VERSION).default(PROTOCOL_VERSION),
    model: ModelConfig,
    data: DataConfig,
    optim: OptimConfig.default(OptimConfig.parse({})),
    train: TrainConfig.default(TrainConfig.parse({})),
    diagnostics: DiagnosticsConfig.default(DiagnosticsConfig.parse({})),
    resources: ResourcesConfig.default(ResourcesConfig.parse({})),
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
