import type { AnalysisDetailDto, AnalysisSnapshot, RunEventMessage } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { analysisFromDto, analysisFromSnapshot, analysisProgress, applyAnalysisEvent } from '../lib/analysis-fold.js';

const analysisId = '11111111-2222-4333-8444-555555555555';
const runId = '0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';
const jobA = 'aaaaaaaa-0000-4000-8000-000000000001';
const jobB = 'aaaaaaaa-0000-4000-8000-000000000002';
const time = '2026-11-29T12:00:00.000Z';

const job = (id: string, chunk: number) => ({
  runId: id,
  chunk,
  status: 'queued' as const,
  attempt: 0,
  workerId: null,
  failureReason: null,
  done: 0,
  units: null,
});

const analysis = (): AnalysisDetailDto => ({
  id: analysisId,
  runId,
  kind: 'landscape',
  params: { resolution: 3, dims: 2, chunks: 2 },
  chunks: 2,
  status: 'queued',
  jobs: [job(jobA, 0), job(jobB, 1)],
  createdAt: time,
  finishedAt: null,
  parts: [],
});

const status = (id: string, job: string, s: 'running' | 'succeeded' | 'failed'): RunEventMessage => ({
  id,
  runId: job,
  sweepId: null,
  analysisId,
  type: 'status',
  payload: { status: s, attempt: 1 },
  time,
});

const points = (id: string, chunk: number, row: number, done: number): RunEventMessage => ({
  id,
  runId: chunk === 0 ? jobA : jobB,
  sweepId: null,
  analysisId,
  type: 'analysis_part',
  payload: {
    part: `rows:${row}-${row}`,
    chunk,
    data: {
      section: 'landscape.points',
      points: [0, 1, 2].map((j) => ({ i: row, j, alpha: row - 1, beta: j - 1, loss: 0.5 + row, accuracy: 0.9 })),
    },
    done,
    units: 2,
  },
  time,
});

describe('the analysis room fold', () => {
  it('adds parts and chunk progress as they arrive, and a part delivered twice changes nothing', () => {
    let s = analysisFromDto(analysis());
    s = applyAnalysisEvent(s, status('10', jobA, 'running'));
    s = applyAnalysisEvent(s, points('11', 0, 0, 1));
    const once = applyAnalysisEvent(s, points('12', 1, 2, 1));
    const twice = applyAnalysisEvent(once, points('12', 1, 2, 1));
    expect(twice.analysis.parts).toEqual(once.analysis.parts);
    expect(twice.analysis.parts.map((p) => p.part)).toEqual(['rows:0-0', 'rows:2-2']);
    expect(twice.analysis.status).toBe('running');
    expect(analysisProgress(twice.analysis)).toEqual({ done: 2, units: 4 });
  });

  it('never moves a chunk back when an earlier part is replayed late', () => {
    let s = analysisFromDto(analysis());
    s = applyAnalysisEvent(s, points('20', 0, 1, 2));
    s = applyAnalysisEvent(s, points('19', 0, 0, 1));
    expect(s.analysis.jobs[0]?.done).toBe(2);
  });

  it('is succeeded once every chunk is, and a late running event does not undo it', () => {
    let s = analysisFromDto(analysis());
    s = applyAnalysisEvent(s, status('30', jobA, 'succeeded'));
    expect(s.analysis.status).toBe('running'); // started: one chunk is done, the other waits;
    s = applyAnalysisEvent(s, status('31', jobB, 'succeeded'));
    expect(s.analysis.status).toBe('succeeded');
    expect(s.analysis.finishedAt).toBe(time);
    s = applyAnalysisEvent(s, status('29', jobB, 'running'));
    expect(s.analysis.status).toBe('succeeded');
  });

  it('ignores events the snapshot holds and events of other analyses', () => {
    const snapshot: AnalysisSnapshot = { ...analysis(), lastEventId: '50' };
    const s = analysisFromSnapshot(snapshot);
    expect(applyAnalysisEvent(s, points('50', 0, 0, 1))).toBe(s);
    const other = { ...points('51', 0, 0, 1), analysisId: '99999999-2222-4333-8444-555555555555' };
    expect(applyAnalysisEvent(s, other)).toBe(s);
    expect(applyAnalysisEvent(s, points('51', 0, 0, 1)).analysis.parts).toHaveLength(1);
  });
});
