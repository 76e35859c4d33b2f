import type { EpochMetricDto, RunDto, RunEventMessage, RunSnapshot } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { applyRunEvent, type RunState, runFromSnapshot, withConfusions } from '../lib/stream-fold.js';

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
    analysisId: null,
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

const run = { id: runId, status: 'running', attempt: 1, workerId: null, failureReason: null } as RunDto;
const snapshot = (lastEventId: string, metrics: EpochMetricDto[] = []): RunSnapshot => ({
  run,
  metrics,
  gradFlow: [],
  curvature: [],
  lastEventId,
});
const status = (id: string, s: RunDto['status'], extra: object = {}): RunEventMessage => ({
  id,
  runId,
  sweepId: null,
  analysisId: null,
  type: 'status',
  payload: { status: s, attempt: 1, ...extra },
  time: new Date().toISOString(),
});
const fold = (state: RunState, events: RunEventMessage[]) => events.reduce(applyRunEvent, state);

describe('the run page fold, over the stream as it arrives', () => {
  it('ignores events the snapshot already holds, and applies the ones after it', () => {
    const folded = fold(runFromSnapshot(snapshot('10')), [event('9', 1), event('10', 2), event('11', 3)]);
    expect(folded.metrics.map((m) => m.epoch)).toEqual([3]);
  });

  it('gives the same state whatever the order and however often each event arrives', () => {
    const events = [event('11', 1), event('12', 2), status('13', 'succeeded'), event('14', 3)];
    const inOrder = fold(runFromSnapshot(snapshot('10')), events);
    const shuffled = fold(runFromSnapshot(snapshot('10')), [
      events[3],
      events[2],
      events[0],
      events[2],
      events[1],
      events[0],
    ] as RunEventMessage[]);
    expect(shuffled.metrics).toEqual(inOrder.metrics);
    expect(shuffled.run.status).toBe('succeeded');
    expect(inOrder.metrics.map((m) => `${m.epoch}:${m.split}`)).toEqual(['1:val', '2:val', '3:val']);
  });

  it('never turns a status back on a late, older status event; ids compare as 64-bit decimals', () => {
    const done = fold(runFromSnapshot(snapshot('98')), [
      status('100', 'failed', { failureReason: 'engine exited with code 1' }),
      status('99', 'running', { workerId: null }),
    ]);
    expect(done.run.status).toBe('failed');
    expect(done.run.failureReason).toBe('engine exited with code 1');
    expect(done.statusEventId).toBe('100');
  });

  it('keeps what a status event leaves out: the first one has only status and attempt', () => {
    const withWorker = { ...run, workerId: '5b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f' };
    const folded = applyRunEvent(
      runFromSnapshot({ ...snapshot('1'), run: withWorker }),
      status('2', 'queued', { attempt: 2 }),
    );
    expect(folded.run).toMatchObject({ status: 'queued', attempt: 2, workerId: withWorker.workerId });
  });

  it('starts over from a resync snapshot: metrics and status as it says, live matrices fetched afresh', () => {
    const before = fold(runFromSnapshot(snapshot('1')), [event('2', 1), status('3', 'running')]);
    expect(before.confusionToFetch).toEqual(['1:val']);
    const after = runFromSnapshot({
      ...snapshot('500', [metric(1, null), metric(2, null)]),
      run: { ...run, status: 'succeeded' },
    });
    expect(after.metrics).toHaveLength(2);
    expect(after.confusionToFetch).toBeUndefined();
    expect(applyRunEvent(after, status('400', 'running')).run.status).toBe('succeeded');
  });

  it('reads a grad_flow event as the REST DTO, blocks numbered in order, and leaves other runs alone', () => {
    const blocks = [
      { name: 'layer1.0', paramGradNorm: 1, inputGradNorm: 2, activationNorm: 3 },
      { name: 'layer1.1', paramGradNorm: 1, inputGradNorm: 2, activationNorm: 3 },
    ];
    const flow: RunEventMessage = {
      id: '2',
      runId,
      sweepId: null,
      analysisId: null,
      type: 'grad_flow',
      payload: { epoch: 0, batches: 2, blocks },
      time: new Date().toISOString(),
    };
    const folded = applyRunEvent(runFromSnapshot(snapshot('1')), flow);
    expect(folded.gradFlow[0]?.blocks.map((b) => [b.name, b.index])).toEqual([
      ['layer1.0', 0],
      ['layer1.1', 1],
    ]);
    const other = { ...flow, runId: '9b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f' };
    expect(applyRunEvent(runFromSnapshot(snapshot('1')), other).gradFlow).toEqual([]);
  });
});
