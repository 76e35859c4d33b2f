import { type Page, PageQuery } from '@reslab/contracts';
import { z } from 'zod';

/**
 * Keyset pages over (time, id), newest first. The cursor is the key of the
 * last row of a page, base64url-encoded so clients treat it as opaque; the next
 * page starts strictly after it. Rows that share a timestamp (a sweep's runs
 * are inserted in one statement) are told apart by the id, so no row is skipped
 * or served twice.
 */
export interface Keyset {
  at: Date;
  id: string;
}

const UUID = z.uuid();

export function encodeCursor(key: Keyset): string {
  return Buffer.from(`${key.at.toISOString()}|${key.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Keyset | null {
  const [iso, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length || iso === undefined || id === undefined || !UUID.safeParse(id).success) return null;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) || at.toISOString() !== iso ? null : { at, id };
}

/** PageQuery with `cursor` decoded; a cursor that is not one of ours is an issue on `cursor`. */
export const KeysetQuery = PageQuery.extend({
  cursor: PageQuery.shape.cursor.transform((cursor, ctx) => {
    if (cursor === undefined) return undefined;
    const key = decodeCursor(cursor);
    if (!key) ctx.addIssue({ code: 'custom', message: 'is not a nextCursor from a previous page' });
    return key ?? undefined;
  }),
});
export type KeysetQuery = z.infer<typeof KeysetQuery>;

/**
 * The Prisma `where` of rows after `after` in (time desc, id desc) order. Use with
 * `orderBy: [{ <time>: 'desc' }, { id: 'desc' }]` and `take: limit + 1`.
 */
export function after<F extends string>(field: F, key: Keyset | undefined) {
  if (!key) return {};
  return {
    OR: [{ [field]: { lt: key.at } }, { [field]: key.at, id: { lt: key.id } }],
  } as { OR: ({ [K in F]: { lt: Date } } | ({ [K in F]: Date } & { id: { lt: string } }))[] };
}

/** Cuts the `limit + 1` rows a query fetched into a page; the extra row only says another page exists. */
export function toPage<R extends { id: string }, T>(
  rows: R[],
  limit: number,
  keyOf: (row: R) => Date,
  map: (row: R) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor({ at: keyOf(last), id: last.id }) : null,
  };
}
