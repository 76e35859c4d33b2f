'use client';

import { useTranslations } from 'next-intl';

/** Last resort for errors a page did not handle itself (API failures are handled in the pages). */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations('common');
  return (
    <main id="main" tabIndex={-1}>
      <section className="panel panel--error" role="alert">
        <h1>{t('errorTitle')}</h1>
        <p>{error.digest ? t('errorDigest', { digest: error.digest }) : error.message}</p>
        <button type="button" onClick={reset}>
          {t('tryAgain')}
        </button>
      </section>
    </main>
  );
}
