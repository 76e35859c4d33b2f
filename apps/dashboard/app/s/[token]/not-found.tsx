import { useTranslations } from 'next-intl';

/** A share link that no longer opens anything: revoked, expired, or never made. Served with status 404. */
export default function ShareNotFound() {
  const t = useTranslations('pages');
  return (
    <section className="panel" data-testid="share-revoked">
      <h1>{t('shareGoneTitle')}</h1>
      <p>{t('shareGoneText')}</p>
    </section>
  );
}
