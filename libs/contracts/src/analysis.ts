import { z } from 'zod';
import { RunConfig } from './run-config.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * Analysis jobs (issue 11): the course's claims tested on a finished run's final checkpoint.
 *
 * - lesion: Veit et al. 2016. Delete blocks at test time, reorder them, and read the net as an ensemble of paths.
 * - landscape: Li et al. 2018. The loss on a 1D or 2D grid around the trained weights, along filter-normalised
 *   random directions. The grid is split into chunks, one job each.
 * - curvature: the Hessian's top eigenvalue (power iteration on Hessian-vector products) and its trace
 *   (Hutchinson's estimator), with confidence intervals over probes and batches.
 * - cost: parameters and multiply-accumulates per layer, for the run's net and for its BasicBlock / Bottleneck twin
 *   at the same width and depth (docs/course.md §4).
 *
 * A job is a Run of kind `analysis` (same queue, lease, fence, cancel and resume). The engine reads an
 * AnalysisJobConfig and writes `analysis_*` events; each `analysis_part` is stored once per (analysis, part).
 */
export const ANALYSIS_KINDS = ['lesion', 'landscape', 'curvature', 'cost'] as const;
export const AnalysisKind = z.enum(ANALYSIS_KINDS);
export type AnalysisKind = z.infer<typeof AnalysisKind>;

const seed = z.int32().nonnegative().default(0);
/** Images of the split the analysis evaluates on: the first N, the same for every net so twins are compared fairly. */
const evalImages = (fallback: number) => z.int32().min(10).max(100_000).default(fallback);

export const LesionParams = z
  .object({
    split: z.enum(['val', 'test']).default('test'),
    evalImages: evalImages(2000),
    /** Random deletions of k blocks for k = 1..maxK (default: every block that can be deleted, up to 12). */
    maxK: z.int32().min(1).max(1000).optional(),
    samplesPerK: z.int32().min(1).max(100).default(8),
    /** Random orderings of the blocks, each made of swaps of blocks within a stage. */
    reorderSamples: z.int32().min(0).max(500).default(24),
    /** Sampled paths per path length for the gradient-by-length estimate (Veit et al. 2016 §5). */
    pathSamples: z.int32().min(0).max(1000).default(20),
    seed,
  })
  .strict();

export const LandscapeParams = z
  .object({
    /** 1: a line along one direction; 2: a surface over two. */
    dims: z.union([z.literal(1), z.literal(2)]).default(2),
    /** Points per axis; odd, so the trained weights (0, 0) are on the grid. */
    resolution: z
      .int32()
      .min(3)
      .max(201)
      .refine((n) => n % 2 === 1, 'must be odd, so the trained weights are on the grid')
      .default(21),
    /** The grid spans [-span, span] in units of the filter-normalised direction (Li et al. 2018 §4). */
    span: z.number().positive().max(10).default(1),
    split: z.enum(['train', 'val', 'test']).default('train'),
    evalImages: evalImages(2000),
    /** Jobs the grid is split into (rows of the grid, as even as possible); any worker evaluates any chunk. */
    chunks: z.int32().min(1).max(201).default(3),
    /** Seeds the directions: two nets of the same shape at the same seed get the same directions. */
    seed,
  })
  .strict();

export const CurvatureParams = z
  .object({
    split: z.enum(['train', 'val', 'test']).default('train'),
    evalImages: evalImages(1000),
    /** The images are cut into this many batches; each gives one estimate, and the interval is over batches. */
    batches: z.int32().min(1).max(64).default(4),
    /** Power-iteration steps at most per batch; it stops earlier once the relative change is below `tolerance`. */
    iterations: z.int32().min(1).max(500).default(30),
    tolerance: z.number().positive().max(0.5).default(1e-3),
    /** Rademacher probe vectors per batch for Hutchinson's trace estimate. */
    probes: z.int32().min(1).max(500).default(16),
    seed,
  })
  .strict();

export const CostParams = z
  .object({
    /** Height and width of the counted input; the run's data set's size when absent. */
    inputSize: z.int32().min(8).max(1024).optional(),
  })
  .strict();

export const AnalysisSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lesion'), params: LesionParams.default(LesionParams.parse({})) }).strict(),
  z.object({ kind: z.literal('landscape'), params: LandscapeParams.default(LandscapeParams.parse({})) }).strict(),
  z.object({ kind: z.literal('curvature'), params: CurvatureParams.default(CurvatureParams.parse({})) }).strict(),
  z.object({ kind: z.literal('cost'), params: CostParams.default(CostParams.parse({})) }).strict(),
]);
export type AnalysisSpec = z.infer<typeof AnalysisSpec>;

/** What the engine's `analyze` command reads (`--config`): the analysed run's config, the analysis and its chunk. */
export const AnalysisJobConfig = z
  .object({
    version: z.literal(PROTOCOL_VERSION).default(PROTOCOL_VERSION),
    run: RunConfig,
    analysis: AnalysisSpec,
    /** This job's share of the work: chunk `index` of `count` (landscape rows); 0 of 1 for the other kinds. */
    chunk: z.object({ index: z.int32().nonnegative(), count: z.int32().positive() }).strict(),
  })
  .strict()
  .refine((c) => c.chunk.index < c.chunk.count, { path: ['chunk', 'index'], message: 'must be below chunk.count' });
export type AnalysisJobConfig = z.infer<typeof AnalysisJobConfig>;

// --- Result parts: what each analysis_part event carries, by `section` ------------------------------------------

const error = z.number().min(0).max(1);
/** Mean cross-entropy per example, nats. */
const loss = z.number().nonnegative();

/** The intact net on the lesion study's images: what every deletion is measured against. */
export const LesionBaseline = z
  .object({ section: z.literal('lesion.baseline'), error, loss, images: z.int32().positive(), blocks: z.int32() })
  .strict();

/** One block deleted at test time (Veit et al. 2016 §4.1). */
export const LesionBlock = z
  .object({
    section: z.literal('lesion.block'),
    block: z.string(),
    index: z.int32().nonnegative(),
    /**
     * The block changes the feature map's shape (a stage's first block). Deleting a residual block removes its
     * branch F and keeps its shortcut (identity; option A subsamples and zero-pads, B keeps its projection), as
     * Veit et al. keep the downsampling shortcut.
     */
    reshapes: z.boolean(),
    /**
     * Error with the block deleted. A plain block has no other path: deleting it cuts the only one (its output is
     * zeros), which is the course's claim (docs/course.md §3).
     */
    error,
    loss,
    /**
     * Plain blocks only: the error with the block bypassed instead (y = x, Veit et al.'s "remove a layer from
     * VGG"), where the shapes allow it; null for residual blocks and for a plain block that reshapes.
     */
    bypassError: error.nullable(),
  })
  .strict();

/** k random blocks deleted, `errors.length` samples (Veit et al. 2016 §4.2). */
export const LesionK = z
  .object({
    section: z.literal('lesion.k'),
    k: z.int32().positive(),
    errors: z.array(error).min(1),
    mean: error,
    std: z.number().nonnegative(),
  })
  .strict();

/** Blocks reordered by swaps within a stage; each sample's Kendall tau against the trained order (Veit et al. 2016 §4.3). */
export const LesionReorder = z
  .object({
    section: z.literal('lesion.reorder'),
    samples: z.array(z.object({ tau: z.number().min(-1).max(1), swaps: z.int32().nonnegative(), error }).strict()),
  })
  .strict();

/**
 * The unraveled view (Veit et al. 2016 §3 and §5, Fig. 6): with n blocks there are C(n, k) paths of length k; the
 * gradient norm reaching the input through paths of length k, sampled by the paper's method (k blocks' branches on,
 * the others' skipped, for the backward pass); and the path lengths that carry most of the total gradient.
 */
export const LesionPaths = z
  .object({
    section: z.literal('lesion.paths'),
    blocks: z.int32().positive(),
    lengths: z.array(
      z
        .object({
          length: z.int32().nonnegative(),
          /** C(n, length): how many paths have this length. */
          paths: z.number().nonnegative(),
          /** Mean gradient norm at the input per path of this length, and its std over samples. */
          gradNorm: z.number().nonnegative(),
          gradStd: z.number().nonnegative(),
          samples: z.int32().nonnegative(),
          /** paths × gradNorm, normalised to sum to 1 over lengths: where the total gradient comes from. */
          share: z.number().min(0).max(1),
        })
        .strict(),
    ),
    /** The shortest range of lengths holding at least `mass` of the total gradient. */
    effectiveRange: z.object({ from: z.int32(), to: z.int32(), mass: z.number() }).strict(),
  })
  .strict();

/**
 * Some points of the landscape grid (Li et al. 2018). `alpha`, `beta` are the coordinates along the two
 * filter-normalised directions (beta 0 on a 1D line); `i`, `j` the grid indices.
 */
export const LandscapePoints = z
  .object({
    section: z.literal('landscape.points'),
    points: z.array(
      z
        .object({
          i: z.int32().nonnegative(),
          j: z.int32().nonnegative(),
          alpha: z.number(),
          beta: z.number(),
          loss: z.number().nonnegative().nullable(),
          accuracy: z.number().min(0).max(1),
        })
        .strict(),
    ),
  })
  .strict();

/** How the landscape was taken, stated once (chunk 0 writes it). */
export const LandscapeSetup = z
  .object({
    section: z.literal('landscape.setup'),
    dims: z.union([z.literal(1), z.literal(2)]),
    resolution: z.int32(),
    span: z.number(),
    images: z.int32().positive(),
    /** 'filter': each filter of a direction scaled to the norm of the same filter in the weights (Li et al. §4). */
    normalisation: z.literal('filter'),
    /** Biases and BatchNorm parameters get zero in the directions (Li et al. §4: "we do not perturb them"). */
    excluded: z.literal('biases and BatchNorm parameters'),
    /** BatchNorm during evaluation: running statistics of the checkpoint (`eval`). */
    bnMode: z.literal('eval'),
    /** The loss at the trained weights, evaluated directly: the grid's centre must equal it. */
    centerLoss: z.number().nonnegative(),
  })
  .strict();

const interval = z.tuple([z.number(), z.number()]);

/**
 * One batch of the curvature estimate: the Hessian of its mean cross-entropy, BatchNorm in eval mode. The top
 * eigenvalue is the Rayleigh quotient after power iteration (the largest in magnitude; negative if a negative one
 * dominates, as PyHessian reports it); the trace is the mean of z^T H z over `probes` Rademacher vectors.
 */
export const CurvatureBatch = z
  .object({
    section: z.literal('curvature.batch'),
    images: z.int32().positive(),
    topEigenvalue: z.number(),
    /** Hessian-vector products used by the power iteration. */
    iterations: z.int32().positive(),
    /** Whether the Rayleigh quotient's relative change fell below `tolerance` within `iterations`. */
    converged: z.boolean(),
    trace: z.number(),
    /** Sample standard deviation of z^T H z over the probes (0 with one probe). */
    traceStd: z.number().nonnegative(),
    probes: z.int32().positive(),
  })
  .strict();

export const CurvatureEstimate = z
  .object({
    section: z.literal('curvature.estimate'),
    images: z.int32().positive(),
    /** Largest Hessian eigenvalue of the mean loss (nats per unit weight²): mean over batches, 95% interval. */
    topEigenvalue: z.number(),
    topEigenvalueCi: interval,
    /** Hutchinson's trace estimate, mean over probes × batches, with its 95% interval. */
    trace: z.number(),
    traceCi: interval,
    batches: z.array(
      z
        .object({
          topEigenvalue: z.number(),
          iterations: z.int32().positive(),
          converged: z.boolean(),
          trace: z.number(),
          traceStd: z.number().nonnegative(),
        })
        .strict(),
    ),
    probes: z.int32().positive(),
  })
  .strict();

export const LayerCost = z
  .object({
    name: z.string(),
    /** conv3x3, conv1x1, conv7x7, linear, ...: the module and its kernel. */
    kind: z.string(),
    stage: z.string().nullable(),
    block: z.string().nullable(),
    inShape: z.array(z.int32()),
    outShape: z.array(z.int32()),
    params: z.int32().nonnegative(),
    /** Multiply-accumulates for one image (FlopCounterMode's FLOPs / 2). */
    macs: z.number().nonnegative(),
  })
  .strict();

/** A net as stages of blocks, with shapes, parameters and MACs per layer and per block. */
export const ModelCost = z
  .object({
    section: z.literal('cost.model'),
    /** `run`: the analysed run's net; `twin`: the same width and depth with the other block (basic <-> bottleneck). */
    role: z.enum(['run', 'twin']),
    name: z.string(),
    block: z.enum(['basic', 'bottleneck']),
    input: z.array(z.int32()),
    layers: z.array(LayerCost),
    blocks: z.array(
      z
        .object({
          name: z.string(),
          stage: z.string(),
          inShape: z.array(z.int32()),
          outShape: z.array(z.int32()),
          params: z.int32(),
          macs: z.number(),
        })
        .strict(),
    ),
    totalParams: z.int32(),
    totalMacs: z.number(),
  })
  .strict();

/** docs/course.md §4's example: one block at 256 channels on a 56x56 map, two 3x3 convs against 1x1-3x3-1x1. */
export const CourseBottleneckExample = z
  .object({
    section: z.literal('cost.course'),
    channels: z.int32(),
    size: z.int32(),
    rows: z.array(
      z
        .object({
          block: z.enum(['basic', 'bottleneck']),
          layers: z.array(
            z
              .object({ kind: z.string(), inC: z.int32(), outC: z.int32(), params: z.int32(), macs: z.number() })
              .strict(),
          ),
          params: z.int32(),
          macs: z.number(),
        })
        .strict(),
    ),
  })
  .strict();

export const AnalysisPartData = z.discriminatedUnion('section', [
  LesionBaseline,
  LesionBlock,
  LesionK,
  LesionReorder,
  LesionPaths,
  LandscapePoints,
  LandscapeSetup,
  CurvatureBatch,
  CurvatureEstimate,
  ModelCost,
  CourseBottleneckExample,
]);
export type AnalysisPartData = z.infer<typeof AnalysisPartData>;
export type AnalysisSection = AnalysisPartData['section'];

/** Names a part within its analysis, unique across its chunks: `baseline`, `block:layer2.0`, `k:3`, `rows:0-6`. */
export const PartName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and . _ : - only');
