import { describe, expect, it } from 'vitest';
import { after, decodeRunCursor, encodeRunCursor, orderBy, runOrder } from '../src/runs/run-order.js';

const id = '0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f';

describe('GET /runs orders and their cursors', () => {
  it('default to the best first: newest, highest accuracy and f1, lowest loss', () => {
    expect(runOrder({ sort: 'queuedAt' })).toEqual({ sort: 'queuedAt', order: 'desc' });
    expect(runOrder({ sort: 'valAccuracy' })).toEqual({ sort: 'valAccuracy', order: 'desc' });
    expect(runOrder({ sort: 'valF1' })).toEqual({ sort: 'valF1', order: 'desc' });
    expect(runOrder({ sort: 'valLoss' })).toEqual({ sort: 'valLoss', order: 'asc' });
    expect(runOrder({ sort: 'valLoss', order: 'desc' })).toEqual({ sort: 'valLoss', order: 'desc' });
  });

  it('round-trip a key, a null metric included, for the order that made it', () => {
    const byTime = runOrder({ sort: 'queuedAt' });
    const at = new Date('2026-11-29T16:00:00.123Z');
    expect(decodeRunCursor(byTime, encodeRunCursor(byTime, { value: at, id }))).toEqual({ value: at, id });
    const byLoss = runOrder({ sort: 'valLoss' });
    for (const value of [0.1 + 0.2, 0, -1e-300, null]) {
      expect(decodeRunCursor(byLoss, encodeRunCursor(byLoss, { value, id }))).toEqual({ value, id });
    }
  });

  it('refuse a cursor of another sort or direction, and text that is not a cursor', () => {
    const byAccuracy = runOrder({ sort: 'valAccuracy' });
    const cursor = encodeRunCursor(byAccuracy, { value: 0.9, id });
    expect(decodeRunCursor(runOrder({ sort: 'valF1' }), cursor)).toBeNull();
    expect(decodeRunCursor(runOrder({ sort: 'valAccuracy', order: 'asc' }), cursor)).toBeNull();
    expect(decodeRunCursor(runOrder({ sort: 'queuedAt' }), cursor)).toBeNull();
    for (const text of [
      '',
      'x',
      '[]',
      '["valAccuracy","desc",0.9,"nope"]',
      '["valAccuracy","desc","0.9","' + id + '"]',
    ]) {
      expect(decodeRunCursor(byAccuracy, Buffer.from(text).toString('base64url')), text).toBeNull();
    }
  });

  it('put runs without a val epoch last in either direction, and page past them by id', () => {
    expect(orderBy(runOrder({ sort: 'valLoss' }))).toEqual([
      { finalValLoss: { sort: 'asc', nulls: 'last' } },
      { id: 'asc' },
    ]);
    expect(after(runOrder({ sort: 'valLoss' }), { value: 0.5, id })).toEqual({
      OR: [{ finalValLoss: { gt: 0.5 } }, { finalValLoss: 0.5, id: { gt: id } }, { finalValLoss: null }],
    });
    expect(after(runOrder({ sort: 'valAccuracy' }), { value: null, id })).toEqual({
      finalValAccuracy: null,
      id: { lt: id },
    });
    expect(after(runOrder({ sort: 'queuedAt' }), undefined)).toEqual({});
  });
});
