'use client';

import { DEFAULT_RUN_ORDER, PAGE_LIMIT, type Page, type RunRowDto, type SweepDto } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { useCallback, useRef, useState } from 'react';
import { useApi } from '@/components/api-url';
import { RunsTable } from '@/components/runs-table';
import { StatusCounts } from '@/components/status-counts';
import { failureText } from '@/lib/api-client';
import { formatTime } from '@/lib/format';
import type { RunsFilter } from '@/lib/runs-filter';

/**
 * A list whose first page the server rendered; `load` asks the API, from the browser, for the page after the
 * last one shown (its `nextCursor`). A call while a page is on its way is ignored, so a scroll that asks
 * twice gets one page. With `readAhead`, each page loaded starts the request for the one after it, which the
 * next `load` takes over: the request overlaps the rendering and scrolling in between, and a cursor is known
 * only once its page lands, so this is the only way pages can overlap.
 */
export function usePages<T>(
  first: Page<T>,
  next: (cursor: string) => Promise<Page<T>>,
  { readAhead = false }: { readAhead?: boolean } = {},
) {
  const [items, setItems] = useState(first.items);
  const [cursor, setCursor] = useState(first.nextCursor);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tf = useTranslations('failures');
  const inFlight = useRef(false);
  const ahead = useRef<{ cursor: string; page: Promise<Page<T>> } | null>(null);
  const load = useCallback(async () => {
    if (!cursor || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      const pending = ahead.current?.cursor === cursor ? ahead.current.page : next(cursor);
      ahead.current = null;
      const page = await pending;
      setItems((shown) => [...shown, ...page.items]);
      setCursor(page.nextCursor);
      if (readAhead && page.nextCursor) {
        const following = next(page.nextCursor);
        // A failure is reported by the `load` that takes this request over, not here.
        following.catch(() => {});
        ahead.current = { cursor: page.nextCursor, page: following };
      }
    } catch (err) {
      setError(failureText(tf, err));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }, [cursor, next, readAhead, tf]);
  return { items, more: cursor !== null, busy, error, load };
}

/** usePages with a "Load more" button under the list; `testId` tells apart two such lists on one page. */
export function useLoadMore<T>(
  first: Page<T>,
  next: (cursor: string) => Promise<Page<T>>,
  { testId = 'load-more' }: { testId?: string } = {},
) {
  const t = useTranslations('runs');
  const { items, more, busy, error, load } = usePages(first, next);
  const button = more ? (
    <div className="actions">
      <button type="button" onClick={load} disabled={busy} data-testid={testId}>
        {busy ? t('loadingMore') : t('loadMore', { count: items.length })}
      </button>
      {error ? (
        <span role="alert" className="error-text">
          {error}
        </span>
      ) : null}
    </div>
  ) : null;
  return { items, button };
}

/**
 * Runs after the first page come a whole API page at a time (PAGE_LIMIT.max): 10 requests for 10,000 runs, each
 * read one page ahead once the table has been scrolled to the end of the first.
 */
const SCROLL_PAGE = PAGE_LIMIT.max;

/** Every run that matches `filter`, loaded page by page as the table is scrolled towards its end. */
export function PagedRuns({ first, filter }: { first: Page<RunRowDto>; filter: RunsFilter }) {
  const api = useApi();
  const next = useCallback(
    (cursor: string) => api.listRunRows({ ...filter, cursor, limit: SCROLL_PAGE }),
    [api, filter],
  );
  const t = useTranslations('runs');
  const { items, more, busy, error, load } = usePages(first, next, { readAhead: true });
  const sort = filter.sort ?? 'queuedAt';
  const order = t('orderLabel', { sort, order: filter.order ?? DEFAULT_RUN_ORDER[sort] });
  return (
    <>
      <RunsTable runs={items} label={t('tableLabel', { order })} onNearEnd={error ? undefined : load} />
      <div className="actions" data-testid="runs-loaded" data-count={items.length} data-complete={!more}>
        <span className="muted">
          {t('loaded', { n: items.length, state: more ? (busy ? 'busy' : 'more') : 'all' })}
        </span>
        {error ? (
          <>
            <span role="alert" className="error-text">
              {error}
            </span>
            <button type="button" onClick={load}>
              {t('tryAgain')}
            </button>
          </>
        ) : null}
      </div>
    </>
  );
}

export function PagedSweeps({ first }: { first: Page<SweepDto> }) {
  const f = useFormatter();
  const t = useTranslations('runs');
  const api = useApi();
  const { items, button } = useLoadMore(first, (cursor) => api.listSweeps({ cursor }));
  return (
    <>
      <div className="table-wrap">
        <table className="data-table" aria-label={t('sweepsLabel')}>
          <thead>
            <tr>
              <th scope="col">{t('colSweep')}</th>
              <th scope="col">{t('colByStatus')}</th>
              <th scope="col" className="num">
                {t('colRuns')}
              </th>
              <th scope="col">{t('colCreated')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((sweep) => (
              <tr key={sweep.id} data-testid="sweep-row" data-sweep-id={sweep.id}>
                <th scope="row">
                  <Link href={`/sweeps/${sweep.id}`}>{sweep.name}</Link>
                </th>
                <td>
                  <StatusCounts counts={sweep.counts} />
                </td>
                <td className="num">{Object.values(sweep.counts).reduce((n, c) => n + (c ?? 0), 0)}</td>
                <td>
                  <time dateTime={sweep.createdAt}>{formatTime(f, sweep.createdAt)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {button}
    </>
  );
}
