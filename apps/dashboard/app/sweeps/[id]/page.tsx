import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { SweepLive, type TrainCurves } from '@/components/sweep-live';
import { getSweep, isRunId, listRunMetrics, settle } from '@/lib/api-client';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sweep' };

type Params = Promise<{ id: string }>;

/** Train error per epoch of every run, fetched a few at a time; compact so the page stays light. */
async function trainCurves(runIds: string[]): Promise<{ curves: TrainCurves; failed: number }> {
  const curves: TrainCurves = {};
  let failed = 0;
  const queue = [...runIds];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const result = await settle(listRunMetrics(id));
      if (!result.ok) {
        failed++;
        continue;
      }
      curves[id] = result.data
        .filter((m) => m.split === 'train')
        .map((m) => [m.epoch, Math.round((1 - m.accuracy) * 1e6) / 1e4] as [number, number]);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return { curves, failed };
}

export default async function SweepPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const result = await settle(getSweep(id));
  if (!result.ok) {
    return (
      <>
        <Breadcrumb />
        <h1>Sweep {id}</h1>
        {result.failure.retryable ? <ReloadWhenReachable status={result.failure.status ?? null} /> : null}
        <ApiFailurePanel failure={result.failure} />
      </>
    );
  }
  const sweep = result.data;
  if (!sweep) notFound();
  const { curves, failed } = await trainCurves(sweep.runs.map((r) => r.id));
  return (
    <>
      <Breadcrumb />
      {failed > 0 ? (
        <p className="notice" role="status">
          Could not load the curves of {failed} run{failed === 1 ? '' : 's'}; they fill in as new epochs arrive.
        </p>
      ) : null}
      <SweepLive initial={sweep} initialCurves={curves} />
    </>
  );
}

function Breadcrumb() {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link href="/sweeps">← All sweeps</Link>
    </nav>
  );
}
