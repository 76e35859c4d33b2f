import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, KeysetQuery, toPage } from '../src/common/keyset-page.js';

const key = { at: new Date('2026-11-29T16:00:00.123Z'), id: '0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f' };

describe('keyset cursors', () => {
  it('round-trip the key of the last row, to the millisecond Postgres stores', () => {
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
  });

  it('refuse what no page handed out: not base64url of a time and a uuid', () => {
    for (const text of ['', 'x', `${key.at.toISOString()}|nope`, `yesterday|${key.id}`, `${key.at.toISOString()}`]) {
      expect(decodeCursor(Buffer.from(text).toString('base64url')), text).toBeNull();
    }
    expect(
      decodeCursor(Buffer.from(`2026-11-29T16:00:00Z|${key.id}`).toString('base64url')),
      'not canonical',
    ).toBeNull();
  });

  it('name the field `cursor` when the query holds a bad one, and default the limit to 100', () => {
    const bad = KeysetQuery.safeParse({ cursor: 'Zm9v' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['cursor']);
    expect(KeysetQuery.parse({})).toEqual({ limit: 100, cursor: undefined });
    expect(KeysetQuery.safeParse({ limit: '1001' }).success).toBe(false);
  });

  it('cut limit + 1 rows into a page whose cursor is its last row, and no cursor on the last page', () => {
    const rows = [3, 2, 1].map((n) => ({ id: `${n}`, at: new Date(n * 1000) }));
    const page = toPage(
      rows,
      2,
      (r) => r.at,
      (r) => r.id,
    );
    expect(page.items).toEqual(['3', '2']);
    expect(Buffer.from(page.nextCursor ?? '', 'base64url').toString()).toBe(`${new Date(2000).toISOString()}|2`);
    expect(
      toPage(
        rows.slice(0, 2),
        2,
        (r) => r.at,
        (r) => r.id,
      ).nextCursor,
    ).toBeNull();
  });
});
