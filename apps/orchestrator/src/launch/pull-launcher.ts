import type { RunLauncher } from './run-launcher.js';

/** Today's model: the run's queue job is what a worker claims, so there is nothing to launch. */
export class PullLauncher implements RunLauncher {
  readonly kind = 'pull' as const;

  async launch(): Promise<void> {}
}
