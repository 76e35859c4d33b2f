import type { RunStatus } from '@reslab/contracts';

/**
 * An analysis's status from its jobs' (one per chunk): succeeded when every chunk has; running while any runs, or
 * while some are done and others wait (it has started); queued before any started; once none is queued or running,
 * failed if any failed, else cancelled.
 */
export function analysisStatus(jobs: readonly { status: RunStatus }[]): RunStatus {
  const count = (status: RunStatus) => jobs.filter((j) => j.status === status).length;
  if (jobs.length && count('succeeded') === jobs.length) return 'succeeded';
  if (count('running')) return 'running';
  if (count('queued')) return count('succeeded') ? 'running' : 'queued';
  return count('failed') ? 'failed' : 'cancelled';
}

/** Jobs a repeated request sends back to the queue: the ones that ended without their parts. */
export function jobsToRequeue<T extends { status: RunStatus }>(jobs: readonly T[]): T[] {
  return jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled');
}
