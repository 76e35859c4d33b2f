import type { LaunchableRun } from './job-spec.js';

/**
 * How a queued run reaches a worker. `pull`: workers claim runs from the queue, and the launcher does nothing.
 * `kubernetes`: a Job is made for each queued run, whose one pod runs a worker that claims that run alone and exits
 * (the shape of ClearML's k8s glue and Determined's Kubernetes resource manager).
 */
export interface RunLauncher {
  readonly kind: 'pull' | 'kubernetes';
  /** Makes sure a worker will come for this queued run. Idempotent: any replica may call it, any number of times. */
  launch(run: LaunchableRun): Promise<void>;
}

export const RUN_LAUNCHER = Symbol('RUN_LAUNCHER');
