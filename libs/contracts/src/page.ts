import { z } from 'zod';
import { RunDto, SweepDto } from './api.js';

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
export const SweepPage = Page(SweepDto);
export type SweepPage = z.infer<typeof SweepPage>;
