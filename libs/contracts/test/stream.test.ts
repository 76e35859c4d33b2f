import { describe, expect, it } from 'vitest';
import { parseSubscribeAck, RunEventMessage } from '../src/index.js';

const runId = '0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';
const envelope = { id: '7', runId, sweepId: null, time: '2026-11-29T20:00:00.000Z' };
const perClass = [{ precision: 1, recall: 0.5, f1: 0.667, support: 4 }];
const metricFields = {
  epoch: 2,
  split: 'val',
  loss: 0.4,
  accuracy: 0.75,
  precision: 0.8,
  recall: 0.7,
  f1: 0.72,
  perClass,
  lr: 0.1,
  seconds: 1.5,
};

describe('RunEventMessage, a union on type', () => {
  it('types an epoch_metric payload as the orchestrator logs it now (no matrix, hasConfusion)', () => {
    const event = RunEventMessage.parse({
      ...envelope,
      type: 'epoch_metric',
      payload: { ...metricFields, hasConfusion: true },
    });
    expect(event.type === 'epoch_metric' && event.payload.hasConfusion).toBe(true);
  });

  it('reads an epoch_metric row logged before matrices left the log: matrix inline, hasConfusion false', () => {
    const event = RunEventMessage.parse({
      ...envelope,
      type: 'epoch_metric',
      payload: { ...metricFields, confusion: [[3, 1]] },
    });
    if (event.type !== 'epoch_metric') throw new Error('wrong type');
    expect(event.payload.hasConfusion).toBe(false);
    expect(event.payload.confusion).toEqual([[3, 1]]);
  });

  it('reads the first status event, which has only status and attempt', () => {
    const event = RunEventMessage.parse({ ...envelope, type: 'status', payload: { status: 'queued', attempt: 0 } });
    expect(event.payload).toEqual({ status: 'queued', attempt: 0 });
  });

  it('reads a grad_flow payload as the engine wrote it less its envelope', () => {
    const blocks = [{ name: 'layer1.0', paramGradNorm: 0.1, inputGradNorm: 0.2, activationNorm: 3 }];
    const event = RunEventMessage.parse({ ...envelope, type: 'grad_flow', payload: { epoch: 0, batches: 2, blocks } });
    expect(event.type === 'grad_flow' && event.payload.blocks[0]?.name).toBe('layer1.0');
  });

  it('refuses a payload that does not match its type, naming the field', () => {
    const result = RunEventMessage.safeParse({ ...envelope, type: 'status', payload: { ...metricFields } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('payload.status');
    expect(RunEventMessage.safeParse({ ...envelope, type: 'log', payload: {} }).success).toBe(false);
  });
});

describe('parseSubscribeAck, per room', () => {
  it('reads a sweep ack with the lastEventId its snapshot carries', () => {
    const { data: ack } = parseSubscribeAck('sweep', {
      ok: true,
      snapshot: {
        id: runId,
        experimentId: runId,
        name: 's',
        spec: {},
        createdAt: envelope.time,
        counts: { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
        runs: [],
        lastEventId: '42',
      },
      missed: [],
      resync: true,
    });
    expect(ack?.ok && ack.snapshot.lastEventId).toBe('42');
  });

  it('refuses a run ack whose snapshot is not a run snapshot, and passes a refusal through', () => {
    const wrong = parseSubscribeAck('run', { ok: true, snapshot: [], missed: [], resync: false });
    expect(wrong.success).toBe(false);
    expect(wrong.error?.issues[0]?.path).toEqual(['snapshot']);
    const refusal = { ok: false, error: 'a share link does not open the workers list' };
    expect(parseSubscribeAck('workers', refusal).data).toEqual(refusal);
  });
});
