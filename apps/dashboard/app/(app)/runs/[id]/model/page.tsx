import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ModelCost } from '@/components/analyses/model-cost';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { isRunId, settle } from '@/lib/api-client';
import { modelLabel, shortId } from '@/lib/format';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Model' };

type Params = Promise<{ id: string }>;

/**
 * A run's net as stages, blocks and layers with their shapes, parameters and multiply-accumulates: the run's
 * `cost` analysis (docs/course.md §4), launched from here when it has none.
 */
export default async function ModelPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const api = await serverApi();
  const [run, analyses] = await Promise.all([settle(api.getRun(id)), settle(api.listRunAnalyses(id))]);
  if (run.ok && !run.data) notFound();
  const breadcrumb = (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link href={`/runs/${id}`}>← Run {shortId(id)}</Link>
    </nav>
  );
  if (!run.ok || !run.data) {
    const failure = run.ok ? null : run.failure;
    return (
      <>
        {breadcrumb}
        <h1>Model of run {id}</h1>
        {failure?.retryable ? <ReloadWhenReachable status={failure.status ?? null} /> : null}
        {failure ? <ApiFailurePanel failure={failure} /> : null}
      </>
    );
  }
  return (
    <>
      {breadcrumb}
      <h1>
        Model: {modelLabel(run.data.config)} ({run.data.name ?? `run ${shortId(id)}`})
      </h1>
      {analyses.ok ? null : <ApiFailurePanel failure={analyses.failure} title="Could not load this run's analyses" />}
      <ModelCost run={run.data} initial={analyses.ok ? analyses.data.items : []} />
    </>
  );
}
