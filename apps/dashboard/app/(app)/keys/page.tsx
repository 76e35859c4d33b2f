import type { Metadata } from 'next';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { KeysManager } from '@/components/keys-manager';
import { settle } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('pages'))('keysTitle') };
}

export default async function KeysPage() {
  const t = await getTranslations('pages');
  const keys = await settle((await serverApi()).listKeys());
  return (
    <>
      <h1>{t('keysTitle')}</h1>
      <p className="muted">{t.rich('keysIntro', { code: (chunks) => <code>{chunks}</code> })}</p>
      {keys.ok ? <KeysManager initial={keys.data} /> : <ApiFailurePanel failure={keys.failure} />}
    </>
  );
}
