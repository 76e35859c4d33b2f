import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { PagedSweeps } from '@/components/paged-lists';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sweeps' };

export default async function SweepsPage() {
  const result = await settle((await serverApi()).listSweeps());
  return (
    <>
      <h1>Sweeps</h1>
      <p className="muted">
        A sweep is a grid of runs, e.g. plain vs residual nets at several depths and seeds.{' '}
        <Link href="/launch">Launch one</Link>.
      </p>
      {!result.ok ? (
        <ApiFailurePanel failure={result.failure} />
      ) : result.data.items.length === 0 ? (
        <section className="panel empty" data-testid="sweeps-empty">
          <p>
            No sweeps yet. <Link href="/launch">Launch the degradation sweep</Link> (plain vs residual at depths 20-56)
            to see deeper plain nets train worse.
          </p>
        </section>
      ) : (
        <PagedSweeps first={result.data} />
      )}
    </>
  );
}
