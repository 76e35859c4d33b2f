import { ARCHS, ListRunsQuery, RUN_SORTS, RUN_STATUSES, type SweepDto } from '@reslab/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { PagedRuns } from '@/components/paged-lists';
import { statusLabel } from '@/components/status-badge';
import { settle } from '@/lib/api-client';
import { type RunsFilter, sortLabel } from '@/lib/runs-filter';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Runs' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const FILTER_FIELDS = ['status', 'sweepId', 'arch', 'depth', 'sort', 'order'] as const;
/** Sweeps offered in the sweep filter, newest first. */
const SWEEP_CHOICES = 200;
const SORT_NAMES: Record<(typeof RUN_SORTS)[number], string> = {
  queuedAt: 'Newest first',
  valAccuracy: 'Final val accuracy',
  valF1: 'Final val F1',
  valLoss: 'Final val loss',
};

/** The URL's filters, each checked by the contract's schema of GET /runs; a bad one is dropped and named. */
function filterFrom(params: Record<string, string | string[] | undefined>) {
  const filter: Record<string, unknown> = {};
  const bad: string[] = [];
  for (const field of FILTER_FIELDS) {
    const raw = params[field];
    if (raw === undefined || raw === '' || (Array.isArray(raw) && raw.every((v) => v === ''))) continue;
    const value = Array.isArray(raw) ? raw.filter((v) => v !== '') : raw;
    const parsed = ListRunsQuery.shape[field].safeParse(value);
    if (parsed.success) filter[field] = parsed.data;
    else bad.push(`${field} “${[value].flat().join(',')}”`);
  }
  return { filter: filter as RunsFilter, bad };
}

export default async function RunsPage({ searchParams }: { searchParams: SearchParams }) {
  const { filter, bad } = filterFrom(await searchParams);
  const api = await serverApi();
  const [result, sweeps] = await Promise.all([
    settle(api.listRunRows(filter)),
    settle(api.listSweeps({ limit: SWEEP_CHOICES })),
  ]);
  const filtered = FILTER_FIELDS.some((f) => f !== 'sort' && f !== 'order' && filter[f] !== undefined);

  return (
    <>
      <h1>Runs</h1>
      <RunFilters filter={filter} sweeps={sweeps.ok ? sweeps.data.items : []} />
      {bad.length ? (
        <p className="notice" role="status" data-testid="runs-bad-filter">
          Ignored {bad.join(', ')}: not a value this list can filter by.
        </p>
      ) : null}
      {!result.ok ? (
        <ApiFailurePanel failure={result.failure} />
      ) : result.data.items.length === 0 ? (
        <section className="panel empty" data-testid="runs-empty">
          {filtered ? (
            <p>
              No runs match these filters. <Link href="/runs">Show all runs</Link>.
            </p>
          ) : (
            <p>
              No runs yet — submit one with <code>POST /runs</code> or <code>make demo</code>.
            </p>
          )}
        </section>
      ) : (
        // Keyed by the filter: another filter starts again from its own first page.
        <PagedRuns key={JSON.stringify(filter)} first={result.data} filter={filter} />
      )}
    </>
  );
}

/**
 * A plain GET form: the filters live in the URL, so a filtered list can be bookmarked, and the server renders
 * its first page. Status and family take several values (checkboxes); depth takes a list, e.g. `20,56`.
 */
function RunFilters({ filter, sweeps }: { filter: RunsFilter; sweeps: SweepDto[] }) {
  const sort = filter.sort ?? 'queuedAt';
  return (
    <form method="get" action="/runs" className="panel controls" aria-label="Filter runs" data-testid="runs-filter">
      <fieldset className="controls">
        <legend>Status</legend>
        {RUN_STATUSES.map((s) => (
          <label key={s}>
            <input type="checkbox" name="status" value={s} defaultChecked={filter.status?.includes(s)} />{' '}
            {statusLabel(s)}
          </label>
        ))}
      </fieldset>
      <fieldset className="controls">
        <legend>Family</legend>
        {ARCHS.map((a) => (
          <label key={a}>
            <input type="checkbox" name="arch" value={a} defaultChecked={filter.arch?.includes(a)} /> {a}
          </label>
        ))}
      </fieldset>
      <label>
        Depth{' '}
        <input
          type="text"
          name="depth"
          inputMode="numeric"
          size={10}
          placeholder="20,56"
          defaultValue={filter.depth?.join(',') ?? ''}
        />
      </label>
      <label>
        Sweep{' '}
        <select name="sweepId" defaultValue={filter.sweepId ?? ''}>
          <option value="">any</option>
          {sweeps.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort{' '}
        <select name="sort" defaultValue={sort}>
          {RUN_SORTS.map((s) => (
            <option key={s} value={s}>
              {SORT_NAMES[s]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order{' '}
        <select name="order" defaultValue={filter.order ?? ''}>
          <option value="">best first</option>
          <option value="asc">lowest first</option>
          <option value="desc">highest first</option>
        </select>
      </label>
      <button type="submit">Apply</button> <Link href="/runs">Clear</Link>
      <span className="muted" data-testid="runs-order">
        {sortLabel(filter)}
      </span>
    </form>
  );
}
