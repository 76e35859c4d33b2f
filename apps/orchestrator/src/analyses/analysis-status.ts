import type { RunStatus } from '@reslab/contracts';

/** Jobs a repeated request sends back to the queue: the ones that ended without their parts. */
export function jobsToRequeue<T extends { status: RunStatus }>(jobs: readonly T[]): T[] {
  return jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled');
}
