import type { RunRowDto } from '@reslab/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { CompareView } from '@/components/compare-view';
import { ExternalCompare, ExternalPicker } from '@/components/external/external-compare';
import { SharePanel } from '@/components/share-panel';
import { StatusBadge } from '@/components/status-badge';
import { isRunId, settle } from '@/lib/api-client';
import { MAX_COMPARE_RUNS } from '@/lib/compare';
import { loadExternalComparison, MAX_EXTERNAL_COMPARE } from '@/lib/external-data';
import { formatTime, modelLabel, shortId } from '@/lib/format';
import { loadComparison } from '@/lib/page-data';
import { serverApi } from '@/lib/server-api';
import { MAX_SHARED_RUNS } from '@/lib/shares';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('compare'))('title') };
}

/** Runs offered in the picker, newest first; runs already picked are always listed. */
const PICKER_RUNS = 200;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ComparePage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const raw = params.ids;
  const requested = (Array.isArray(raw) ? raw : raw ? [raw] : []).flatMap((v) => v.split(','));
  const ids = [...new Set(requested.filter(isRunId))].slice(0, MAX_COMPARE_RUNS);
  // Runs logged from scripts are picked apart (`external`): they have no epochs of ResLab's to overlay, only keys.
  const externalIds = [...new Set([params.external ?? []].flat().flatMap((v) => v.split(',')))]
    .filter(isRunId)
    .slice(0, MAX_EXTERNAL_COMPARE);
  const t = await getTranslations('compare');
  const api = await serverApi();
  const [listResult, shares, { picked, failures, missing }, externalList, external] = await Promise.all([
    settle(api.listRunRows({ limit: PICKER_RUNS })),
    settle(api.listShares()),
    loadComparison(api, ids),
    settle(api.listExternalRuns({ limit: PICKER_RUNS })),
    externalIds.length ? loadExternalComparison(api, externalIds) : null,
  ]);

  return (
    <>
      <h1>{t('heading')}</h1>
      {failures.slice(0, 3).map((f) => (
        <ApiFailurePanel key={f.url} failure={f} />
      ))}
      {missing > 0 ? (
        <p className="notice" role="status">
          {t('missing', { n: missing })}
        </p>
      ) : null}
      {external && !external.ok ? <ApiFailurePanel failure={external.failure} /> : null}
      {external?.ok ? (
        <ExternalCompare
          runs={external.data.runs}
          keys={external.data.keys}
          histories={external.data.histories}
          missing={external.data.missing}
        />
      ) : null}
      {picked.length === 0 && externalIds.length > 0 ? null : picked.length === 0 ? (
        <p className="panel empty" data-testid="compare-empty">
          {t('empty')}
        </p>
      ) : (
        <>
          {picked.length >= 2 && picked.length <= MAX_SHARED_RUNS ? (
            <SharePanel
              key={picked.map((r) => r.id).join(',')}
              target={{ kind: 'comparison', runIds: picked.map((r) => r.id) }}
              initial={shares.ok ? shares.data : null}
            />
          ) : picked.length > MAX_SHARED_RUNS ? (
            <p className="muted">{t('shareLimit', { max: MAX_SHARED_RUNS })}</p>
          ) : null}
          <CompareView runs={picked} />
        </>
      )}
      <h2 id="picker-heading">{t('pickHeading')}</h2>
      {!listResult.ok ? (
        <ApiFailurePanel failure={listResult.failure} />
      ) : listResult.data.items.length === 0 ? (
        <p className="panel empty">{t.rich('noRuns', { link: (chunks) => <Link href="/launch">{chunks}</Link> })}</p>
      ) : (
        <RunPicker runs={listResult.data.items} picked={ids} />
      )}
      {externalList.ok && externalList.data.items.length > 0 ? (
        <ExternalPicker runs={externalList.data.items} picked={externalIds} />
      ) : null}
    </>
  );
}

/** A plain GET form: the picked runs live in the URL, so a comparison can be bookmarked and shared. */
function RunPicker({ runs, picked }: { runs: RunRowDto[]; picked: string[] }) {
  const f = useFormatter();
  const t = useTranslations('compare');
  const pickedSet = new Set(picked);
  return (
    <form method="get" action="/compare" aria-labelledby="picker-heading" data-testid="compare-picker">
      <p>
        <button type="submit">{t('submit')}</button>{' '}
        <span className="muted">{t('newest', { n: runs.length, max: MAX_COMPARE_RUNS })}</span>
      </p>
      <div className="table-wrap picker">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('colPick')}</th>
              <th scope="col">{t('colRun')}</th>
              <th scope="col">{t('colModel')}</th>
              <th scope="col">{t('colStatus')}</th>
              <th scope="col">{t('colQueued')}</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>
                  <input
                    type="checkbox"
                    name="ids"
                    value={run.id}
                    id={`pick-${run.id}`}
                    defaultChecked={pickedSet.has(run.id)}
                    data-testid="pick-run"
                  />
                </td>
                <th scope="row">
                  <label htmlFor={`pick-${run.id}`}>{run.name ?? shortId(run.id)}</label>
                </th>
                <td className="mono">{modelLabel(run)}</td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>{formatTime(f, run.queuedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </form>
  );
}
