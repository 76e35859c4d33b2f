import Link from 'next/link';
import { useTranslations } from 'next-intl';

export default function RunNotFound() {
  const t = useTranslations('pages');
  return (
    <section className="panel" data-testid="run-not-found">
      <h1>{t('runNotFoundTitle')}</h1>
      <p>{t.rich('runNotFoundText', { link: (chunks) => <Link href="/runs">{chunks}</Link> })}</p>
    </section>
  );
}
