import { DEFAULT_RUN_ORDER, type ListRunsQuery, type RunSort } from '@reslab/contracts';
import { z } from 'zod';
import type { Prisma, Run } from '../generated/prisma/client.js';

/**
 * The orders of `GET /runs` and their keyset cursors. A page's cursor is the key of its last row, (sort value,
 * id), and the next page starts strictly after it in the same order; the id breaks ties, so runs with an equal
 * value (a sweep's runs share a queuedAt, unfinished runs share a null metric) are neither skipped nor repeated.
 * Runs without a val epoch (a null final metric) come last in either direction.
 */
export interface RunOrder {
  sort: RunSort;
  order: 'asc' | 'desc';
}

/** The Run column each sort reads (Run.finalVal* are kept by the run_final_val trigger). */
const COLUMN = {
  queuedAt: 'queuedAt',
  valAccuracy: 'finalValAccuracy',
  valF1: 'finalValF1',
  valLoss: 'finalValLoss',
} as const satisfies Record<RunSort, keyof Run>;

export interface RunKey {
  /** queuedAt, or the final metric; null for a run without a val epoch yet. */
  value: Date | number | null;
  id: string;
}

export function runOrder(query: Pick<ListRunsQuery, 'sort' | 'order'>): RunOrder {
  return { sort: query.sort, order: query.order ?? DEFAULT_RUN_ORDER[query.sort] };
}

export function orderBy({ sort, order }: RunOrder): Prisma.RunOrderByWithRelationInput[] {
  if (sort === 'queuedAt') return [{ queuedAt: order }, { id: order }];
  return [{ [COLUMN[sort]]: { sort: order, nulls: 'last' } }, { id: order }];
}

/** The Prisma `where` of the rows after `key` in `order`; with orderBy() and `take: limit + 1`. */
export function after({ sort, order }: RunOrder, key: RunKey | undefined): Prisma.RunWhereInput {
  if (!key) return {};
  const past = order === 'desc' ? 'lt' : 'gt';
  const column = COLUMN[sort];
  if (key.value === null) return { [column]: null, id: { [past]: key.id } };
  const later: Prisma.RunWhereInput[] = [
    { [column]: { [past]: key.value } },
    { [column]: key.value, id: { [past]: key.id } },
  ];
  return { OR: sort === 'queuedAt' ? later : [...later, { [column]: null }] };
}

export function keyOf({ sort }: RunOrder, run: Run): RunKey {
  return { value: run[COLUMN[sort]], id: run.id };
}

const CursorText = z.tuple([
  z.string(),
  z.enum(['asc', 'desc']),
  z.union([z.string(), z.number(), z.null()]),
  z.uuid(),
]);

/** base64url of [sort, order, value, id]: opaque to clients, and tied to the order that made it. */
export function encodeRunCursor({ sort, order }: RunOrder, key: RunKey): string {
  const value = key.value instanceof Date ? key.value.toISOString() : key.value;
  return Buffer.from(JSON.stringify([sort, order, value, key.id])).toString('base64url');
}

/** The key in a cursor, or null when it is not one of ours or was made by another sort or order. */
export function decodeRunCursor({ sort, order }: RunOrder, cursor: string): RunKey | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const text = CursorText.safeParse(parsed);
  if (!text.success) return null;
  const [cursorSort, cursorOrder, value, id] = text.data;
  if (cursorSort !== sort || cursorOrder !== order) return null;
  if (sort === 'queuedAt') {
    if (typeof value !== 'string') return null;
    const at = new Date(value);
    return Number.isNaN(at.getTime()) || at.toISOString() !== value ? null : { value: at, id };
  }
  return typeof value === 'string' ? null : { value, id };
}
