import { ARCHS, DEFAULT_RUN_ORDER, ListRunsQuery, RUN_SORTS, RUN_STATUSES, type SweepDto } from '@reslab/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ExternalRunsSection } from '@/components/external/external-runs-section';
import { PagedRuns } from '@/components/paged-lists';
import { settle } from '@/lib/api-client';
import type { RunsFilter } from '@/lib/runs-filter';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('runs'))('title') };
}

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const FILTER_FIELDS = ['status', 'sweepId', 'arch', 'depth', 'sort', 'order'] as const;
/** Sweeps offered in the sweep filter, newest first. */
const SWEEP_CHOICES = 200;
/** Runs logged from scripts listed under the engine's runs, newest first. */
const EXTERNAL_LISTED = 50;

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
  const t = await getTranslations('runs');
  const api = await serverApi();
  const [result, sweeps, external] = await Promise.all([
    settle(api.listRunRows(filter)),
    settle(api.listSweeps({ limit: SWEEP_CHOICES })),
    settle(api.listExternalRuns({ limit: EXTERNAL_LISTED })),
  ]);
  const filtered = FILTER_FIELDS.some((f) => f !== 'sort' && f !== 'order' && filter[f] !== undefined);

  return (
    <>
      <h1>{t('title')}</h1>
      <RunFilters filter={filter} sweeps={sweeps.ok ? sweeps.data.items : []} />
      {bad.length ? (
        <p className="notice" role="status" data-testid="runs-bad-filter">
          {t('badFilter', { fields: bad.join(', ') })}
        </p>
      ) : null}
      {!result.ok ? (
        <ApiFailurePanel failure={result.failure} />
      ) : result.data.items.length === 0 ? (
        <section className="panel empty" data-testid="runs-empty">
          {filtered ? (
            <p>{t.rich('noMatch', { link: (chunks) => <Link href="/runs">{chunks}</Link> })}</p>
          ) : (
            <p>{t.rich('noRuns', { code: (chunks) => <code>{chunks}</code> })}</p>
          )}
        </section>
      ) : (
        // Keyed by the filter: another filter starts again from its own first page.
        <PagedRuns key={JSON.stringify(filter)} first={result.data} filter={filter} />
      )}
      <ExternalRunsSection result={external} pageSize={EXTERNAL_LISTED} />
    </>
  );
}

/**
 * A plain GET form: the filters live in the URL, so a filtered list can be bookmarked, and the server renders
 * its first page. Status and family take several values (checkboxes); depth takes a list, e.g. `20,56`.
 */
function RunFilters({ filter, sweeps }: { filter: RunsFilter; sweeps: SweepDto[] }) {
  const sort = filter.sort ?? 'queuedAt';
  const t = useTranslations('runs');
  const tc = useTranslations('common');
  return (
    <form
      method="get"
      action="/runs"
      className="panel controls"
      aria-label={t('filterLabel')}
      data-testid="runs-filter"
    >
      <fieldset className="controls">
        <legend>{t('status')}</legend>
        {RUN_STATUSES.map((s) => (
          <label key={s}>
            <input type="checkbox" name="status" value={s} defaultChecked={filter.status?.includes(s)} />{' '}
            {tc(`status.${s}`)}
          </label>
        ))}
      </fieldset>
      <fieldset className="controls">
        <legend>{t('family')}</legend>
        {ARCHS.map((a) => (
          <label key={a}>
            <input type="checkbox" name="arch" value={a} defaultChecked={filter.arch?.includes(a)} /> {a}
          </label>
        ))}
      </fieldset>
      <label>
        {t('depth')}{' '}
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
        {t('sweep')}{' '}
        <select name="sweepId" defaultValue={filter.sweepId ?? ''}>
          <option value="">{t('any')}</option>
          {sweeps.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('sort')}{' '}
        <select name="sort" defaultValue={sort}>
          {RUN_SORTS.map((s) => (
            <option key={s} value={s}>
              {t('sortName', { sort: s })}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('order')}{' '}
        <select name="order" defaultValue={filter.order ?? ''}>
          <option value="">{t('orderBest')}</option>
          <option value="asc">{t('orderAsc')}</option>
          <option value="desc">{t('orderDesc')}</option>
        </select>
      </label>
      <button type="submit">{t('apply')}</button> <Link href="/runs">{t('clear')}</Link>
      <span className="muted" data-testid="runs-order">
        {t('orderLabel', { sort, order: filter.order ?? DEFAULT_RUN_ORDER[sort] })}
      </span>
    </form>
  );
}
