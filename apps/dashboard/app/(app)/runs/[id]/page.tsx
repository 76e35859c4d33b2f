import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { getTranslations } from 'next-intl/server';
import { cache } from 'react';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { RunView } from '@/components/run-view';
import { SharePanel } from '@/components/share-panel';
import { isRunId, settle } from '@/lib/api-client';
import { shortId } from '@/lib/format';
import { loadRunView } from '@/lib/page-data';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

/** One fetch per request, shared by the metadata and the page. */
const loadRun = cache(async (id: string) => loadRunView(await serverApi(), id));

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  const t = await getTranslations('run');
  if (!isRunId(id)) return { title: t('title') };
  const { run } = await loadRun(id);
  const found = run.ok ? run.data : null;
  return { title: found ? (found.name ?? t('titleShort', { id: shortId(found.id) })) : t('title') };
}

/**
 * One run. The server renders what the API holds now; `RunLive` then
 * subscribes to the run's room and adds each epoch as it arrives.
 */
export default async function RunPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const t = await getTranslations('run');
  const api = await serverApi();
  const [view, shares] = await Promise.all([loadRun(id), settle(api.listShares())]);
  if (view.run.ok && !view.run.data) notFound();
  if (!view.run.ok) {
    return (
      <>
        <Breadcrumb />
        <h1>{t('titleWithId', { id })}</h1>
        {view.run.failure.retryable ? <ReloadWhenReachable status={view.run.failure.status ?? null} /> : null}
        <ApiFailurePanel failure={view.run.failure} />
      </>
    );
  }
  return (
    <>
      <Breadcrumb />
      <RunView
        view={view}
        share={<SharePanel target={{ kind: 'run', runId: id }} initial={shares.ok ? shares.data : null} />}
      />
    </>
  );
}

function Breadcrumb() {
  const t = useTranslations('run');
  const tn = useTranslations('nav');
  return (
    <nav aria-label={tn('breadcrumb')} className="breadcrumb">
      <Link href="/runs">{t('allRuns')}</Link>
    </nav>
  );
}
