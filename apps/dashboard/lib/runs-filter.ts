import { DEFAULT_RUN_ORDER } from '@reslab/contracts';
import type { ListRunsOptions } from '@/lib/api-client';

/** `GET /runs` filters and order, as the runs page takes them from its URL. */
export type RunsFilter = Omit<ListRunsOptions, 'limit' | 'cursor'>;

const SORT_NAMES = {
  valAccuracy: 'final val accuracy',
  valF1: 'final val F1',
  valLoss: 'final val loss',
} as const;

/** The order in words: "newest first", "by final val loss, lowest first". */
export function sortLabel(filter: Pick<RunsFilter, 'sort' | 'order'>): string {
  const sort = filter.sort ?? 'queuedAt';
  const order = filter.order ?? DEFAULT_RUN_ORDER[sort];
  if (sort === 'queuedAt') return order === 'desc' ? 'newest first' : 'oldest first';
  return `by ${SORT_NAMES[sort]}, ${order === 'desc' ? 'highest' : 'lowest'} first`;
}
