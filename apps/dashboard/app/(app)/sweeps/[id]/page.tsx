import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { useTranslations } from 'next-intl';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ReloadWhenReachable } from '@/components/connection-banner';
import { SharePanel } from '@/components/share-panel';
import { SweepView } from '@/components/sweep-view';
import { isRunId, settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('sweep'))('title') };
}

type Params = Promise<{ id: string }>;

export default async function SweepPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isRunId(id)) notFound();
  const t = await getTranslations('sweep');
  const api = await serverApi();
  const [result, shares] = await Promise.all([settle(api.getSweep(id)), settle(api.listShares())]);
  if (!result.ok) {
    return (
      <>
        <Breadcrumb />
        <h1>{t('titleWithId', { id })}</h1>
        {result.failure.retryable ? <ReloadWhenReachable status={result.failure.status ?? null} /> : null}
        <ApiFailurePanel failure={result.failure} />
      </>
    );
  }
  const sweep = result.data;
  if (!sweep) notFound();
  return (
    <>
      <Breadcrumb />
      <SweepView
        sweep={sweep}
        share={<SharePanel target={{ kind: 'sweep', sweepId: id }} initial={shares.ok ? shares.data : null} />}
      />
    </>
  );
}

function Breadcrumb() {
  const t = useTranslations('sweep');
  const tn = useTranslations('nav');
  return (
    <nav aria-label={tn('breadcrumb')} className="breadcrumb">
      <Link href="/sweeps">{t('allSweeps')}</Link>
    </nav>
  );
}
