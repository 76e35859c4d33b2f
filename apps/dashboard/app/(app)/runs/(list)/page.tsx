import { RUN_STATUSES, type RunStatus } from '@reslab/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { PagedRuns } from '@/components/paged-lists';
import { statusLabel } from '@/components/status-badge';
import { isRunStatus, settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Runs' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RunsPage({ searchParams }: { searchParams: SearchParams }) {
  const raw = (await searchParams).status;
  const requested = Array.isArray(raw) ? raw[0] : raw;
  const status = isRunStatus(requested) ? requested : undefined;
  const result = await settle((await serverApi()).listRuns({ status }));

  return (
    <>
      <h1>Runs</h1>
      <StatusFilter current={status} />
      {requested !== undefined && status === undefined ? (
        <p className="notice" role="status">
          Unknown status “{requested}”; showing all runs. Known statuses: {RUN_STATUSES.join(', ')}.
        </p>
      ) : null}
      {!result.ok ? (
        <ApiFailurePanel failure={result.failure} />
      ) : result.data.items.length === 0 ? (
        <section className="panel empty" data-testid="runs-empty">
          {status ? (
            <p>
              No {statusLabel(status).toLowerCase()} runs. <Link href="/runs">Show all runs</Link>.
            </p>
          ) : (
            <p>
              No runs yet — submit one with <code>POST /runs</code> or <code>make demo</code>.
            </p>
          )}
        </section>
      ) : (
        // Keyed by the filter: another status starts again from its own first page.
        <PagedRuns key={status ?? 'all'} first={result.data} status={status} />
      )}
    </>
  );
}

function StatusFilter({ current }: { current: RunStatus | undefined }) {
  const options: { href: string; label: string; active: boolean }[] = [
    { href: '/runs', label: 'All', active: current === undefined },
    ...RUN_STATUSES.map((s) => ({ href: `/runs?status=${s}`, label: statusLabel(s), active: current === s })),
  ];
  return (
    <nav aria-label="Filter runs by status" className="filter">
      <ul>
        {options.map((o) => (
          <li key={o.href}>
            <Link href={o.href} aria-current={o.active ? 'page' : undefined}>
              {o.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
