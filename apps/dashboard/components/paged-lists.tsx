'use client';

import type { Page, RunDto, RunStatus, SweepDto } from '@reslab/contracts';
import Link from 'next/link';
import { useState } from 'react';
import { useApi } from '@/components/api-url';
import { RunsTable } from '@/components/runs-table';
import { StatusCounts } from '@/components/status-counts';
import { ApiFailure } from '@/lib/api-client';
import { formatTime } from '@/lib/format';

/**
 * A list whose first page the server rendered; "Load more" asks the API for
 * the page after the last one shown (its `nextCursor`), from the browser.
 */
export function useLoadMore<T>(first: Page<T>, next: (cursor: string) => Promise<Page<T>>) {
  const [items, setItems] = useState(first.items);
  const [cursor, setCursor] = useState(first.nextCursor);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    if (!cursor) return;
    setBusy(true);
    setError(null);
    try {
      const page = await next(cursor);
      setItems((shown) => [...shown, ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err instanceof ApiFailure || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const button = cursor ? (
    <div className="actions">
      <button type="button" onClick={load} disabled={busy} data-testid="load-more">
        {busy ? 'Loading…' : `Load more (${items.length} shown)`}
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

export function PagedRuns({ first, status }: { first: Page<RunDto>; status?: RunStatus }) {
  const api = useApi();
  const { items, button } = useLoadMore(first, (cursor) => api.listRuns({ status, cursor }));
  return (
    <>
      <RunsTable runs={items} />
      {button}
    </>
  );
}

export function PagedSweeps({ first }: { first: Page<SweepDto> }) {
  const api = useApi();
  const { items, button } = useLoadMore(first, (cursor) => api.listSweeps({ cursor }));
  return (
    <>
      <div className="table-wrap">
        <table className="data-table" aria-label="Sweeps, newest first">
          <thead>
            <tr>
              <th scope="col">Sweep</th>
              <th scope="col">Runs by status</th>
              <th scope="col" className="num">
                Runs
              </th>
              <th scope="col">Created</th>
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
                  <time dateTime={sweep.createdAt}>{formatTime(sweep.createdAt)}</time>
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
