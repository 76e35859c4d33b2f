import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { StatusCounts } from '@/components/status-counts';
import { listSweeps, settle } from '@/lib/api-client';
import { formatTime } from '@/lib/format';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sweeps' };

export default async function SweepsPage() {
  const result = await settle(listSweeps());
  return (
    <>
      <h1>Sweeps</h1>
      <p className="muted">
        A sweep is a grid of runs, e.g. plain vs residual nets at several depths and seeds.{' '}
        <Link href="/launch">Launch one</Link>.
      </p>
      {!result.ok ? (
        <ApiFailurePanel failure={result.failure} />
      ) : result.data.length === 0 ? (
        <section className="panel empty" data-testid="sweeps-empty">
          <p>
            No sweeps yet. <Link href="/launch">Launch the degradation sweep</Link> (plain vs residual at depths 20-56)
            to see deeper plain nets train worse.
          </p>
        </section>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-label="Sweeps, newest first">
            <thead>
              <tr>
                <th scope="col">Sweep</th>
                <th scope="col">Runs by status</th>
                <th scope="col" className="num">
                  Runs
                </th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {[...result.data]
                .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
                .map((sweep) => (
                  <tr key={sweep.id} data-testid="sweep-row" data-sweep-id={sweep.id}>
                    <th scope="row">
                      <Link href={`/sweeps/${sweep.id}`}>{sweep.name}</Link>
                    </th>
                    <td>
                      <StatusCounts counts={sweep.counts} />
                    </td>
                    <td className="num">{Object.values(sweep.counts).reduce((n, c) => n + (c ?? 0), 0)}</td>
                    <td>
                      <time dateTime={sweep.createdAt}>{formatTime(sweep.createdAt)}</time>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
