import type { Metadata } from 'next';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { WorkersLive } from '@/components/workers-live';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Workers' };

export default async function WorkersPage() {
  const result = await settle((await serverApi()).listWorkers());
  return (
    <>
      <h1>Workers</h1>
      {result.ok ? (
        <WorkersLive initial={result.data} />
      ) : (
        <>
          {result.failure.retryable ? <ReloadWhenReachable status={result.failure.status ?? null} /> : null}
          <ApiFailurePanel failure={result.failure} />
        </>
      )}
    </>
  );
}
