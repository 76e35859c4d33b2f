import type { ExternalRunPage } from '@reslab/contracts';
import { getTranslations } from 'next-intl/server';
import { ApiFailurePanel } from '@/components/api-failure-panel';
import { ExternalRunsPaged } from '@/components/external/external-runs-paged';
import type { ApiFailure } from '@/lib/api-client';

/** The runs list's second table: runs logged from scripts, which have no net, data set or epochs of ResLab's. */
export async function ExternalRunsSection({
  result,
  pageSize,
}: {
  result: { ok: true; data: ExternalRunPage } | { ok: false; failure: ApiFailure };
  /** Runs per page, the first page's size too. */
  pageSize: number;
}) {
  const t = await getTranslations('external');
  return (
    <section aria-labelledby="external-runs-heading" data-testid="external-runs-section">
      <h2 id="external-runs-heading">{t('listHeading')}</h2>
      <p className="muted">{t('listIntro')}</p>
      {!result.ok ? (
        <ApiFailurePanel failure={result.failure} />
      ) : result.data.items.length === 0 ? (
        <p className="panel empty" data-testid="external-runs-empty">
          {t('listEmpty')}
        </p>
      ) : (
        <ExternalRunsPaged first={result.data} pageSize={pageSize} />
      )}
    </section>
  );
}
