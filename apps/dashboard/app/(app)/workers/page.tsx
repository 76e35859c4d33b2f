import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { WorkersLive } from '@/components/workers-live';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('pages'))('workersTitle') };
}

export default async function WorkersPage() {
  const t = await getTranslations('pages');
  const result = await settle((await serverApi()).listWorkers());
  return (
    <>
      <h1>{t('workersTitle')}</h1>
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
