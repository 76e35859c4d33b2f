'use client';

import { useTranslations } from 'next-intl';

/** Errors a signed-in page did not handle itself, shown under the navigation (API failures are handled in the pages). */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations('common');
  return (
    <section className="panel panel--error" role="alert">
      <h1>{t('errorTitle')}</h1>
      <p>{error.digest ? t('errorDigest', { digest: error.digest }) : error.message}</p>
      <button type="button" onClick={reset}>
        {t('tryAgain')}
      </button>
    </section>
  );
}
