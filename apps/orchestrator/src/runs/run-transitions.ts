import type { RunStatus } from '@reslab/contracts';

/**
 * The run state machine, as data. RunsService applies each change with a guarded UPDATE (status as expected),
 * so a change that lost a race changes nothing; this module says which changes exist and why one is refused.
 *
 *   queued  -> running    a worker claims it
 *   queued  -> cancelled  cancelled before any worker took it
 *   running -> succeeded | failed | cancelled   the worker reports how the engine ended
 *   running -> queued     requeued: its lease expired, or its worker drained, with attempts left
 *   running -> failed     the same, with no attempts left
 *   failed | cancelled -> queued   retried by a user (a succeeded run is submitted anew instead)
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  queued: ['running', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  succeeded: [],
  failed: ['queued'],
  cancelled: ['queued'],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/**
 * What cancelling a run does: a queued run is cancelled at once; a running one is asked to stop (its worker sees the
 * request on its next heartbeat, stops the engine, and reports `cancelled`); a finished run is refused, with the reason.
 */
export type CancelAction = { kind: 'cancel' } | { kind: 'request-stop' } | { kind: 'refuse'; reason: string };

export function cancelAction(runId: string, status: RunStatus): CancelAction {
  if (status === 'queued') return { kind: 'cancel' };
  if (status === 'running') return { kind: 'request-stop' };
  return { kind: 'refuse', reason: `run ${runId} is ${status}; only queued or running runs can be cancelled` };
}

/** Why a run cannot be retried, or null when it can (failed or cancelled). */
export function retryRefusal(runId: string, status: RunStatus): string | null {
  if (status === 'failed' || status === 'cancelled') return null;
  if (status === 'succeeded') return `run ${runId} succeeded; submit a new run instead`;
  return `run ${runId} is ${status}; only finished runs can be retried`;
}

/** Where a running run goes when its attempt is lost (lease expired, worker drained): queued again while attempts are left. */
export function afterLostAttempt(attempt: number, maxAttempts: number): 'queued' | 'failed' {
  return attempt >= maxAttempts ? 'failed' : 'queued';
}
