import type { Metadata } from 'next';
import Link from 'next/link';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { PagedSweeps } from '@/components/paged-lists';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('pages'))('sweepsTitle') };
}

export default async function SweepsPage() {
  const t = await getTranslations('pages');
  const result = await settle((await serverApi()).listSweeps());
  return (
    <>
      <h1>{t('sweepsTitle')}</h1>
      <p className="muted">{t.rich('sweepsIntro', { link: (chunks) => <Link href="/launch">{chunks}</Link> })}</p>
      {!result.ok ? (
        <ApiFailurePanel failure={result.failure} />
      ) : result.data.items.length === 0 ? (
        <section className="panel empty" data-testid="sweeps-empty">
          <p>{t.rich('sweepsEmpty', { link: (chunks) => <Link href="/launch">{chunks}</Link> })}</p>
        </section>
      ) : (
        <PagedSweeps first={result.data} />
      )}
    </>
  );
}
