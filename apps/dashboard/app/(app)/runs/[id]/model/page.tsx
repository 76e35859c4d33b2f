import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { ModelCost } from '@/components/analyses/model-cost';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { isRunId, settle } from '@/lib/api-client';
import { modelLabel, shortId } from '@/lib/format';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('run'))('modelTitle') };
}

type Params = Promise<{ id: string }>;

/**
 * A run's net as stages, blocks and layers with their shapes, parameters and multiply-accumulates: the run's
 * `cost` analysis (docs/course.md §4), launched from here when it has none.
 */
export default async function ModelPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const [t, tn] = await Promise.all([getTranslations('run'), getTranslations('nav')]);
  const api = await serverApi();
  const [run, analyses] = await Promise.all([settle(api.getRun(id)), settle(api.listRunAnalyses(id))]);
  if (run.ok && !run.data) notFound();
  const breadcrumb = (
    <nav aria-label={tn('breadcrumb')} className="breadcrumb">
      <Link href={`/runs/${id}`}>{t('backToRun', { id: shortId(id) })}</Link>
    </nav>
  );
  if (!run.ok || !run.data) {
    const failure = run.ok ? null : run.failure;
    return (
      <>
        {breadcrumb}
        <h1>{t('modelOfRun', { id })}</h1>
        {failure?.retryable ? <ReloadWhenReachable status={failure.status ?? null} /> : null}
        {failure ? <ApiFailurePanel failure={failure} /> : null}
      </>
    );
  }
  return (
    <>
      {breadcrumb}
      <h1>
        {t('modelHeading', {
          model: modelLabel(run.data.config),
          name: run.data.name ?? t('runShort', { id: shortId(id) }),
        })}
      </h1>
      {analyses.ok ? null : <ApiFailurePanel failure={analyses.failure} title={t('analysesFailed')} />}
      <ModelCost run={run.data} initial={analyses.ok ? analyses.data.items : []} />
    </>
  );
}
