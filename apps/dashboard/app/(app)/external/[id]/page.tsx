import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { cache } from 'react';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { ExternalRunView } from '@/components/external/external-run-view';
import { isRunId } from '@/lib/api-client';
import { loadExternalRun } from '@/lib/external-data';
import { shortId } from '@/lib/format';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

/** One fetch per request, shared by the metadata and the page. */
const load = cache(async (id: string) => loadExternalRun(await serverApi(), id));

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  const t = await getTranslations('external');
  const found = isRunId(id) ? await load(id) : null;
  const run = found?.ok ? found.data?.run : null;
  return { title: run ? (run.name ?? t('unnamed', { id: shortId(run.id) })) : t('unnamed', { id: shortId(id) }) };
}

/** A run logged from a script (the Python SDK, MLflow's API, a TensorBoard import), rendered with what it holds now. */
export default async function ExternalRunPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const t = await getTranslations('external');
  const nav = await getTranslations('nav');
  const result = await load(id);
  if (result.ok && !result.data) notFound();
  return (
    <>
      <nav aria-label={nav('breadcrumb')} className="breadcrumb">
        <Link href="/runs">{t('allRuns')}</Link>
      </nav>
      {!result.ok ? (
        <>
          <h1>{t('unnamed', { id: shortId(id) })}</h1>
          {result.failure.retryable ? <ReloadWhenReachable status={result.failure.status ?? null} /> : null}
          <ApiFailurePanel failure={result.failure} />
        </>
      ) : result.data ? (
        <ExternalRunView initial={result.data} />
      ) : null}
    </>
  );
}
