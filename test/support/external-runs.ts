import type { ExternalEpoch } from '@reslab/contracts';

/** Zalando's names, in label order (github.com/zalandoresearch/fashion-mnist README, table "Labels"), as the engine sends them. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * Epoch `n` of one split over `classes` classes, as the SDK's log_epoch sends it: loss 1/n, accuracy 0.5 + n/10,
 * class i's precision 0.5 + i/10 and support 10 + i, and a confusion matrix with 8 on its diagonal and 1 elsewhere.
 */
export function externalEpoch(n: number, split: ExternalEpoch['split'], classes: number): ExternalEpoch {
  const perClass = Array.from({ length: classes }, (_, i) => ({
    precision: 0.5 + i / 10,
    recall: 0.6,
    f1: 0.55,
    support: 10 + i,
  }));
  const confusion = Array.from({ length: classes }, (_, t) =>
    Array.from({ length: classes }, (_, p) => (t === p ? 8 : 1)),
  );
  return {
    epoch: n,
    split,
    loss: 1 / n,
    accuracy: 0.5 + n / 10,
    precision: 0.6,
    recall: 0.6,
    f1: 0.55,
    perClass,
    confusion,
    lr: 0.1,
    seconds: 2,
  };
}
