import Link from 'next/link';
import { useTranslations } from 'next-intl';

export default function NotFound() {
  const t = useTranslations('common');
  return (
    <main id="main" tabIndex={-1}>
      <section className="panel">
        <h1>{t('notFoundTitle')}</h1>
        <p>{t.rich('notFoundText', { link: (chunks) => <Link href="/runs">{chunks}</Link> })}</p>
      </section>
    </main>
  );
}
