import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the engine looks for Fashion-MNIST (libs/engine data/locate.py): $RESLAB_DATA_DIR, then Debian's copy. */
const CANDIDATES = [
  ...(process.env.RESLAB_DATA_DIR ? [join(process.env.RESLAB_DATA_DIR, 'fashion-mnist')] : []),
  '/usr/share/datasets/fashion-mnist',
];

/**
 * The real Fashion-MNIST, or an error that says how to get it. Tests that train on it never fall back to
 * synthetic data: a suite that quietly measures something else is worse than one that fails.
 */
export function requireFashionMnist(): string {
  const found = CANDIDATES.find((dir) => existsSync(dir));
  if (found) return found;
  throw new Error(
    `Fashion-MNIST is not installed (looked in ${CANDIDATES.join(', ')}): run 'sudo apt-get install dataset-fashion-mnist', or put its four IDX files in $RESLAB_DATA_DIR/fashion-mnist`,
  );
}
