import { useTranslations } from 'next-intl';

export default function Loading() {
  const t = useTranslations('pages');
  return (
    <p className="loading" role="status" aria-live="polite">
      {t('loadingRuns')}
    </p>
  );
}
