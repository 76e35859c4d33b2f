import { z } from 'zod';
import { AnalysisKind, AnalysisPartData, PartName } from './analysis.js';
import { PROTOCOL_VERSION } from './version.js';

/**
 * The engine's stdout protocol: one JSON object per line, each one of the
 * events below. Every event carries the protocol version `v` and the time it
 * was written, so a reader can order and reject lines without guessing.
 */
const envelope = {
  v: z.literal(PROTOCOL_VERSION),
  time: z.iso.datetime({ offset: true }),
};

export const SPLITS = ['train', 'val', 'test'] as const;
export const Split = z.enum(SPLITS);
export type Split = z.infer<typeof Split>;

const ratio = z.number().min(0).max(1);

export const ClassMetric = z
  .object({
    precision: ratio,
    recall: ratio,
    f1: ratio,
    /** Number of true examples of this class in the split. */
    support: z.int32().nonnegative(),
  })
  .strict();
export type ClassMetric = z.infer<typeof ClassMetric>;

export const RunStartedEvent = z
  .object({
    ...envelope,
    type: z.literal('run_started'),
    model: z.string(),
    params: z.int32().nonnegative(),
    device: z.string(),
    dataset: z.string(),
    numClasses: z.int32().positive(),
    sizes: z
      .object({ train: z.int32().nonnegative(), val: z.int32().nonnegative(), test: z.int32().nonnegative() })
      .strict(),
    epochs: z.int32().positive(),
    /** First epoch this process will train: 1, or k+1 when resuming after epoch k. */
    startEpoch: z.int32().positive(),
    /** ImageFolder with onCorruptImage 'skip': images left out because they could not be read. */
    skippedImages: z.int32().nonnegative().optional(),
    /** Training processes (torchrun ranks): resources.gpus x resources.nodes; 1 without torchrun. */
    worldSize: z.int32().positive().optional(),
    /** Index i names class i, as the data set names it; absent where it has no names (synthetic). */
    classNames: z.array(z.string()).optional(),
  })
  .strict();

export const EpochMetricEvent = z
  .object({
    ...envelope,
    type: z.literal('epoch_metric'),
    /** 1-based. */
    epoch: z.int32().positive(),
    split: Split,
    /** Mean cross-entropy per example, in nats. */
    loss: z.number().nonnegative(),
    accuracy: ratio,
    /** Macro averages over classes: the accuracy paradox is why these exist. */
    precision: ratio,
    recall: ratio,
    f1: ratio,
    perClass: z.array(ClassMetric).min(1),
    /** Averages weighted by support. */
    weighted: z.object({ precision: ratio, recall: ratio, f1: ratio }).strict().optional(),
    /** Share of examples whose label is among the 5 highest logits; only with more than 5 classes. */
    top5: ratio.optional(),
    /** confusion[true][predicted], counts of examples. */
    confusion: z.array(z.array(z.int32().nonnegative())).optional(),
    /** Learning rate at the end of the epoch. */
    lr: z.number().nonnegative(),
    /** Wall-clock seconds spent on this split in this epoch. */
    seconds: z.number().nonnegative(),
  })
  .strict();
export type EpochMetricEvent = z.infer<typeof EpochMetricEvent>;

export const BlockFlow = z
  .object({
    /** Block name as the model registers it, e.g. `layer1.0`. */
    name: z.string(),
    /** L2 norm of the loss gradient over the block's parameters. */
    paramGradNorm: z.number().nonnegative(),
    /** L2 norm of the loss gradient at the block's input, per example: the signal the identity carries back. */
    inputGradNorm: z.number().nonnegative(),
    /** L2 norm of the block's output activation, per example. */
    activationNorm: z.number().nonnegative(),
  })
  .strict();

/**
 * Gradient flow (docs/course.md §1): per-block norms averaged over a few training
 * batches, so plain and residual nets can be compared by depth and epoch.
 * Epoch 0 is the network at initialisation.
 */
export const GradFlowEvent = z
  .object({
    ...envelope,
    type: z.literal('grad_flow'),
    epoch: z.int32().nonnegative(),
    batches: z.int32().positive(),
    blocks: z.array(BlockFlow).min(1),
  })
  .strict();
export type GradFlowEvent = z.infer<typeof GradFlowEvent>;

/**
 * Curvature of the training loss (diagnostics.curvatureEvery): the Hessian of the mean cross-entropy (nats) on
 * `images` fixed training images, BatchNorm on batch statistics as SGD sees the net (as grad_flow); epoch 0 is the
 * net at initialisation. The top eigenvalue by power iteration on Hessian-vector products (`iterations` of them,
 * `converged` if the Rayleigh quotient settled), the trace by Hutchinson's estimator over `probes` Rademacher vectors.
 */
export const CurvatureEvent = z
  .object({
    ...envelope,
    type: z.literal('curvature'),
    epoch: z.int32().nonnegative(),
    /** Nats per unit weight²; the largest in magnitude, so negative if a negative eigenvalue dominates. */
    topEigenvalue: z.number(),
    trace: z.number(),
    /** Sample standard deviation of z^T H z over the probes; the trace's standard error is traceStd / √probes. */
    traceStd: z.number().nonnegative(),
    images: z.int32().positive(),
    iterations: z.int32().positive(),
    converged: z.boolean(),
    probes: z.int32().positive(),
  })
  .strict();
export type CurvatureEvent = z.infer<typeof CurvatureEvent>;

export const CheckpointEvent = z
  .object({ ...envelope, type: z.literal('checkpoint'), epoch: z.int32().nonnegative(), path: z.string() })
  .strict();

export const RunFinishedEvent = z
  .object({
    ...envelope,
    type: z.literal('run_finished'),
    epochs: z.int32().nonnegative(),
    seconds: z.number().nonnegative(),
  })
  .strict();

export const DivergedEvent = z
  .object({
    ...envelope,
    type: z.literal('diverged'),
    epoch: z.int32().positive(),
    step: z.int32().nonnegative(),
    /** The non-finite loss, as text, because JSON has no NaN or Infinity. */
    loss: z.string(),
  })
  .strict();

export const ErrorEvent = z
  .object({
    ...envelope,
    type: z.literal('error'),
    /** config: bad input, exit code 2; data: missing or corrupt files; runtime: anything else. */
    code: z.enum(['config', 'data', 'runtime']),
    message: z.string(),
    /** Dotted path of the config field at fault, e.g. `model.depth`. */
    field: z.string().optional(),
  })
  .strict();

/** An analysis job began (the engine's `analyze` command): `units` of work in this chunk, `done` already (resumed). */
export const AnalysisStartedEvent = z
  .object({
    ...envelope,
    type: z.literal('analysis_started'),
    kind: AnalysisKind,
    units: z.int32().positive(),
    done: z.int32().nonnegative(),
    device: z.string(),
  })
  .strict();

/**
 * One finished piece of an analysis: stored under (analysis, part), so a resumed job that repeats a part overwrites
 * it. `done` of `units` is the chunk's progress after it.
 */
export const AnalysisPartEvent = z
  .object({
    ...envelope,
    type: z.literal('analysis_part'),
    part: PartName,
    data: AnalysisPartData,
    done: z.int32().nonnegative(),
    units: z.int32().positive(),
  })
  .strict();
export type AnalysisPartEvent = z.infer<typeof AnalysisPartEvent>;

export const AnalysisFinishedEvent = z
  .object({ ...envelope, type: z.literal('analysis_finished'), seconds: z.number().nonnegative() })
  .strict();

export const EngineEvent = z.discriminatedUnion('type', [
  RunStartedEvent,
  EpochMetricEvent,
  GradFlowEvent,
  CurvatureEvent,
  CheckpointEvent,
  RunFinishedEvent,
  DivergedEvent,
  ErrorEvent,
  AnalysisStartedEvent,
  AnalysisPartEvent,
  AnalysisFinishedEvent,
]);
export type EngineEvent = z.infer<typeof EngineEvent>;
