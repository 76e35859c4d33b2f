import { RUN_STATUSES, type RunStatus } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import {
  afterLostAttempt,
  cancelAction,
  canTransition,
  RUN_TRANSITIONS,
  retryRefusal,
} from '../src/runs/run-transitions.js';

const id = 'run-1';

describe('the run state machine', () => {
  it('allows exactly the changes the lifecycle has', () => {
    const allowed = RUN_STATUSES.flatMap((from) =>
      RUN_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'queued->running',
        'queued->cancelled',
        'running->succeeded',
        'running->failed',
        'running->cancelled',
        'running->queued',
        'failed->queued',
        'cancelled->queued',
      ].sort(),
    );
  });

  it('has no way out of succeeded, and no status that changes into itself', () => {
    expect(RUN_TRANSITIONS.succeeded).toEqual([]);
    for (const status of RUN_STATUSES) expect(canTransition(status, status), status).toBe(false);
  });

  it('cancels a queued run at once, asks a running one to stop, and refuses a finished one by name', () => {
    expect(cancelAction(id, 'queued')).toEqual({ kind: 'cancel' });
    expect(cancelAction(id, 'running')).toEqual({ kind: 'request-stop' });
    for (const status of ['succeeded', 'failed', 'cancelled'] as const) {
      expect(cancelAction(id, status)).toEqual({
        kind: 'refuse',
        reason: `run ${id} is ${status}; only queued or running runs can be cancelled`,
      });
    }
  });

  it('retries a failed or cancelled run; refuses an active one, and a succeeded one with what to do instead', () => {
    expect(retryRefusal(id, 'failed')).toBeNull();
    expect(retryRefusal(id, 'cancelled')).toBeNull();
    expect(retryRefusal(id, 'queued')).toBe(`run ${id} is queued; only finished runs can be retried`);
    expect(retryRefusal(id, 'running')).toBe(`run ${id} is running; only finished runs can be retried`);
    expect(retryRefusal(id, 'succeeded')).toBe(`run ${id} succeeded; submit a new run instead`);
  });

  it('requeues a lost attempt while attempts are left, and fails it on the last', () => {
    expect(afterLostAttempt(1, 3)).toBe('queued');
    expect(afterLostAttempt(2, 3)).toBe('queued');
    expect(afterLostAttempt(3, 3)).toBe('failed');
    // A retry raises maxAttempts past the attempts already made; a run past it (an old row) fails too.
    expect(afterLostAttempt(4, 3)).toBe('failed');
  });

  it('decides only changes the table allows', () => {
    for (const status of RUN_STATUSES as readonly RunStatus[]) {
      if (cancelAction(id, status).kind !== 'refuse') expect(canTransition(status, 'cancelled'), status).toBe(true);
      if (retryRefusal(id, status) === null) expect(canTransition(status, 'queued'), status).toBe(true);
    }
    expect(canTransition('running', afterLostAttempt(1, 3))).toBe(true);
    expect(canTransition('running', afterLostAttempt(3, 3))).toBe(true);
  });
});
