'use client';

import type { ExternalRunPage } from '@reslab/contracts';
import { useTranslations } from 'next-intl';
import { useCallback } from 'react';
import { useApi } from '@/components/api-url';
import { ExternalRunsTable } from '@/components/external/external-runs-table';
import { usePages } from '@/components/paged-lists';

/** The runs list's runs logged from scripts: the first page the server rendered, then a page per "Load more". */
export function ExternalRunsPaged({ first, pageSize }: { first: ExternalRunPage; pageSize: number }) {
  const t = useTranslations('external');
  const api = useApi();
  const next = useCallback((cursor: string) => api.listExternalRuns({ limit: pageSize, cursor }), [api, pageSize]);
  const { items, more, busy, error, load } = usePages(first, next);
  return (
    <>
      <ExternalRunsTable runs={items} />
      {more ? (
        <div className="actions">
          <button type="button" onClick={load} disabled={busy} data-testid="external-load-more">
            {busy ? t('loadingMore') : t('loadMore', { count: items.length })}
          </button>
          {error ? (
            <span role="alert" className="error-text">
              {error}
            </span>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
