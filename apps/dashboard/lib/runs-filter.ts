import type { ListRunsOptions } from '@/lib/api-client';

/** `GET /runs` filters and order, as the runs page takes them from its URL. */
export type RunsFilter = Omit<ListRunsOptions, 'limit' | 'cursor'>;
