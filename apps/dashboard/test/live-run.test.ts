import type { EpochMetricDto, RunDto, RunEventMessage } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { applyRunEvent, type RunState, withConfusions } from '../lib/live-run.js';

const runId = '0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';
const perClass = [
  { precision: 1, recall: 1, f1: 1, support: 2 },
  { precision: 1, recall: 1, f1: 1, support: 2 },
];
const metric = (epoch: number, confusion: number[][] | null): EpochMetricDto => ({
  runId,
  epoch,
  split: 'val',
  loss: 0.1,
  accuracy: 1,
  precision: 1,
  recall: 1,
  f1: 1,
  perClass,
  lr: 0.1,
  seconds: 1,
  top5: null,
  weighted: null,
  confusion,
});
/** An epoch_metric event as the orchestrator logs it now: no matrix, only whether one is stored. */
const event = (id: string, epoch: number): RunEventMessage => {
  const { runId: _r, confusion: _c, top5: _t, weighted: _w, ...payload } = metric(epoch, null);
  return {
    id,
    runId,
    sweepId: null,
    type: 'epoch_metric',
    payload: { ...payload, hasConfusion: true },
    time: new Date().toISOString(),
  };
};
const state = (metrics: EpochMetricDto[]): RunState => ({ run: { id: runId } as RunDto, metrics, gradFlow: [] });

describe('the run page fold, with confusion matrices left out of the stream', () => {
  it('keeps a matrix the snapshot brought when the same epoch is replayed without one', () => {
    const folded = applyRunEvent(
      state([
        metric(1, [
          [2, 0],
          [0, 2],
        ]),
      ]),
      event('5', 1),
    );
    expect(folded.metrics[0]?.confusion).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });

  it('marks a live epoch whose matrix is stored for fetching, and fills it from GET /runs/:id/metrics', () => {
    const folded = applyRunEvent(state([]), event('6', 2));
    expect(folded.metrics[0]?.confusion).toBeNull();
    expect(folded.confusionToFetch).toEqual(['2:val']);
    const filled = withConfusions(folded, [
      metric(2, [
        [1, 1],
        [0, 2],
      ]),
    ]);
    expect(filled.metrics[0]?.confusion).toEqual([
      [1, 1],
      [0, 2],
    ]);
    expect(filled.confusionToFetch).toEqual([]);
  });
});
