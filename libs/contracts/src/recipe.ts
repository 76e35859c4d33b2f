import { IMAGENET_DEPTHS, type RunConfig } from './run-config.js';

/**
 * Training images each data set ships (before `trainSubset` and the validation split). ImageFolder's count is
 * known only once the engine has read the folder.
 */
export const DATASET_TRAIN_IMAGES: Partial<Record<RunConfig['data']['dataset'], number>> = {
  'fashion-mnist': 60000,
  mnist: 60000,
  cifar10: 50000,
  cifar100: 50000,
  synthetic: 2000,
};

/** How many SGD steps a config takes, and where its lr changes: the budget He et al. count in (Fig. 6, 64k). */
export interface IterationBudget {
  trainImages: number;
  iterationsPerEpoch: number;
  iterations: number;
  /** Iterations at which a `step` schedule divides the lr by 10 (empty for the other schedules). */
  lrDrops: number[];
}

/**
 * The engine's own arithmetic (libs/engine/reslab_engine/train.py and optimizer.py): the last, smaller batch
 * is kept, so an epoch is ceil(train / batch) steps, and a milestone fraction f of T iterations falls at
 * floor(f · T). Null where the training set's size is not known before the run.
 */
export function iterationBudget(config: RunConfig): IterationBudget | null {
  const total = DATASET_TRAIN_IMAGES[config.data.dataset];
  if (total === undefined) return null;
  const trainImages = Math.min(config.data.trainSubset ?? total, total) - config.data.valSize;
  if (trainImages <= 0) return null;
  const iterationsPerEpoch = Math.ceil(trainImages / config.optim.batchSize);
  const iterations = iterationsPerEpoch * config.epochs;
  const lrDrops =
    config.optim.schedule === 'step' ? config.optim.milestones.map((f) => Math.floor(f * iterations + 1e-9)) : [];
  return { trainImages, iterationsPerEpoch, iterations, lrDrops };
}

const thousands = (n: number) => n.toLocaleString('en-US');

/** The recipe in one sentence, for the sweep page and `reslab sweep show`: what was trained, and for how long. */
export function describeRecipe(config: RunConfig): string {
  const { data, optim, model } = config;
  const budget = iterationBudget(config);
  const size = data.imageSize ? `${data.imageSize} px` : 'native size';
  const images = budget
    ? `${thousands(budget.trainImages)} training images (${thousands(data.valSize)} held out for validation)`
    : `its training images (${thousands(data.valSize)} held out for validation)`;
  const steps = budget
    ? `${config.epochs} epochs of ${budget.iterationsPerEpoch} iterations = ${thousands(budget.iterations)} iterations`
    : `${config.epochs} epochs`;
  const schedule =
    optim.schedule === 'step' && budget
      ? `divided by 10 at iterations ${budget.lrDrops.map(thousands).join(' and ')}`
      : optim.schedule === 'constant'
        ? 'constant'
        : `${optim.schedule} schedule`;
  const warmup = optim.warmup ? `, after ${optim.warmup.iterations} warm-up iterations at lr ${optim.warmup.lr}` : '';
  return [
    `${data.dataset} at ${size}, ${images}${data.augment ? ', pad-crop and flip augmentation' : ''};`,
    `width ${model.width ?? ((IMAGENET_DEPTHS as readonly number[]).includes(model.depth) ? 64 : 16)}, ${steps} of batch ${optim.batchSize};`,
    `SGD lr ${optim.lr} (momentum ${optim.momentum}, weight decay ${optim.weightDecay}) ${schedule}${warmup}.`,
    'Test error is measured once, on the final weights.',
  ].join(' ');
}
