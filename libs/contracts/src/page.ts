import { z } from 'zod';
import { queryList, RunDto, RunRowDto, RunStatus, SweepDto } from './api.js';
import { ARCHS } from './run-config.js';

/**
 * Keyset pagination for the list routes (`GET /runs`, `GET /sweeps`): newest
 * first, with the id as tiebreak. A page's `nextCursor` goes back as `cursor`
 * to get the next one; it is opaque to clients, and `null` on the last page.
 * Unlike an offset, a cursor neither skips nor repeats rows when new ones are
 * created between two requests.
 */
export const PAGE_LIMIT = { default: 100, max: 1000 } as const;

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT.max).default(PAGE_LIMIT.default),
  /** base64url, as a previous page's `nextCursor` gave it. */
  cursor: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextCursor from a previous page')
    .optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** The shape of one page of `item`s. */
export function Page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const RunPage = Page(RunDto);
export type RunPage = z.infer<typeof RunPage>;
/** `GET /runs/rows`: the page `GET /runs` gives for the same query, each run as a RunRowDto. */
export const RunRowPage = Page(RunRowDto);
export type RunRowPage = z.infer<typeof RunRowPage>;
export const SweepPage = Page(SweepDto);
export type SweepPage = z.infer<typeof SweepPage>;

/**
 * `GET /runs` orders: newest first, or by a final validation metric (the val split of the highest epoch a
 * run has stored, Run.finalVal*). Each default order puts the best first; runs without a val epoch come last
 * in either order.
 */
export const RUN_SORTS = ['queuedAt', 'valAccuracy', 'valF1', 'valLoss'] as const;
export const RunSort = z.enum(RUN_SORTS);
export type RunSort = z.infer<typeof RunSort>;
export const DEFAULT_RUN_ORDER: Record<RunSort, 'asc' | 'desc'> = {
  queuedAt: 'desc',
  valAccuracy: 'desc',
  valF1: 'desc',
  valLoss: 'asc',
};

/** The query of `GET /runs`: filters (each one of several values), an order, and a page. */
export const ListRunsQuery = PageQuery.extend({
  status: queryList(RunStatus, 5).optional(),
  /** Only these runs (at most 100), e.g. the runs a comparison picked. */
  ids: queryList(z.uuid(), 100).optional(),
  sweepId: z.uuid().optional(),
  workerId: z.uuid().optional(),
  /** config.model.arch */
  arch: queryList(z.enum(ARCHS), 3).optional(),
  /** config.model.depth */
  depth: queryList(z.coerce.number().int().min(2).max(2000), 50).optional(),
  sort: RunSort.default('queuedAt'),
  /** Default: the sort's own (DEFAULT_RUN_ORDER). A cursor is only valid with the sort and order that made it. */
  order: z.enum(['asc', 'desc']).optional(),
}).strict();
export type ListRunsQuery = z.infer<typeof ListRunsQuery>;
export type ListRunsQueryInput = z.input<typeof ListRunsQuery>;
