import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { RunLive } from '@/components/run-live';
import { getRun, isRunId, listRunArtifacts, listRunGradFlow, listRunMetrics, settle } from '@/lib/api-client';
import { shortId } from '@/lib/format';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

/** One fetch per request, shared by the metadata and the page. */
const loadRun = cache((id: string) => settle(getRun(id)));

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  const result = await loadRun(id);
  const run = result.ok ? result.data : null;
  return { title: run ? (run.name ?? `Run ${shortId(run.id)}`) : 'Run' };
}

/**
 * One run. The server renders what the API holds now; `RunLive` then
 * subscribes to the run's room and adds each epoch as it arrives.
 */
export default async function RunPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const [runResult, metricsResult, flowResult, artifactsResult] = await Promise.all([
    loadRun(id),
    settle(listRunMetrics(id)),
    settle(listRunGradFlow(id)),
    settle(listRunArtifacts(id)),
  ]);

  if (!runResult.ok) {
    return (
      <>
        <Breadcrumb />
        <h1>Run {id}</h1>
        {runResult.failure.retryable ? <ReloadWhenReachable status={runResult.failure.status ?? null} /> : null}
        <ApiFailurePanel failure={runResult.failure} />
      </>
    );
  }
  const run = runResult.data;
  if (!run) notFound();

  return (
    <>
      <Breadcrumb />
      {!metricsResult.ok ? (
        <ApiFailurePanel failure={metricsResult.failure} title="Could not load this run's metrics" />
      ) : null}
      {!flowResult.ok ? (
        <ApiFailurePanel failure={flowResult.failure} title="Could not load this run's gradient flow" />
      ) : null}
      <RunLive
        initial={{
          run,
          metrics: metricsResult.ok ? metricsResult.data : [],
          gradFlow: flowResult.ok ? flowResult.data : [],
        }}
        artifacts={artifactsResult.ok ? artifactsResult.data : null}
      />
    </>
  );
}

function Breadcrumb() {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link href="/runs">← All runs</Link>
    </nav>
  );
}
