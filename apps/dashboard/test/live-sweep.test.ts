import type { RunEventMessage, SweepDetailDto, SweepSnapshot } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { applySweepEvent, type SweepState, sweepFromSnapshot } from '../lib/stream-fold.js';

const sweepId = '1b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';
const runA = '2b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';
const runB = '3b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';
const counts = { queued: 2, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
const sweepRun = (id: string) =>
  ({
    id,
    status: 'queued',
    attempt: 0,
    workerId: null,
    failureReason: null,
    final: { train: null, val: null, test: null },
  }) as unknown as SweepDetailDto['runs'][number];
const snapshot = (lastEventId: string): SweepSnapshot =>
  ({ id: sweepId, name: 'depth', counts, runs: [sweepRun(runA), sweepRun(runB)], lastEventId }) as SweepSnapshot;
const empty: SweepState = { sweep: snapshot('0'), curves: {}, statusEventIds: {} };

const time = new Date().toISOString();
const epoch = (id: string, runId: string, n: number, split: 'train' | 'val', accuracy: number): RunEventMessage => ({
  id,
  runId,
  sweepId,
  analysisId: null,
  type: 'epoch_metric',
  payload: {
    epoch: n,
    split,
    loss: 1 / n,
    accuracy,
    precision: 0.5,
    recall: 0.5,
    f1: 0.5,
    perClass: [{ precision: 0.5, recall: 0.5, f1: 0.5, support: 10 }],
    lr: 0.1,
    seconds: 1,
    hasConfusion: false,
  },
  time,
});
const status = (id: string, runId: string, s: 'running' | 'succeeded' | 'failed'): RunEventMessage => ({
  id,
  runId,
  sweepId,
  analysisId: null,
  type: 'status',
  payload: { status: s, attempt: 1 },
  time,
});
const fold = (state: SweepState, events: RunEventMessage[]) => events.reduce(applySweepEvent, state);

describe('the sweep page fold', () => {
  it('keeps the last epoch per split as the final metrics, whatever order the epochs arrive in', () => {
    const folded = fold(sweepFromSnapshot(empty, snapshot('10')), [
      epoch('12', runA, 2, 'train', 0.8),
      epoch('11', runA, 1, 'train', 0.6),
      epoch('13', runA, 2, 'val', 0.7),
    ]);
    const a = folded.sweep.runs.find((r) => r.id === runA);
    expect(a?.final.train).toEqual({ epoch: 2, loss: 0.5, accuracy: 0.8, f1: 0.5 });
    expect(a?.final.val?.epoch).toBe(2);
    expect(folded.curves[runA]).toEqual([
      [1, 40],
      [2, 20],
    ]);
    expect(folded.curves[runB]).toBeUndefined();
  });

  it('recounts statuses, ignores a late older status per run and events the snapshot holds', () => {
    const folded = fold(sweepFromSnapshot(empty, snapshot('10')), [
      status('9', runA, 'failed'),
      status('12', runA, 'succeeded'),
      status('11', runA, 'running'),
      status('13', runB, 'running'),
      status('13', runB, 'running'),
    ]);
    expect(folded.sweep.runs.map((r) => r.status)).toEqual(['succeeded', 'running']);
    expect(folded.sweep.counts).toEqual({ queued: 0, running: 1, succeeded: 1, failed: 0, cancelled: 0 });
  });

  it('takes runs and counts from a resync snapshot, keeps the curves, and skips what that snapshot holds', () => {
    const live = fold(sweepFromSnapshot(empty, snapshot('10')), [epoch('11', runA, 1, 'train', 0.5)]);
    const resynced = sweepFromSnapshot(live, snapshot('50'));
    expect(resynced.sweep.runs.every((r) => r.final.train === null)).toBe(true);
    expect(resynced.curves[runA]).toEqual([[1, 50]]);
    expect('lastEventId' in resynced.sweep).toBe(false);
    expect(applySweepEvent(resynced, status('40', runA, 'failed'))).toBe(resynced);
  });

  it('ignores events of runs that are not in the sweep', () => {
    const state = sweepFromSnapshot(empty, snapshot('1'));
    expect(applySweepEvent(state, status('2', '4b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f', 'running'))).toBe(state);
  });
});
