'use client';

import type { ExternalRunPage } from '@reslab/contracts';
import { useCallback } from 'react';
import { useApi } from '@/components/api-url';
import { ExternalRunsTable } from '@/components/external/external-runs-table';
import { useLoadMore } from '@/components/paged-lists';

/** The runs list's runs logged from scripts: the first page the server rendered, then a page per "Load more". */
export function ExternalRunsPaged({ first, pageSize }: { first: ExternalRunPage; pageSize: number }) {
  const api = useApi();
  const next = useCallback((cursor: string) => api.listExternalRuns({ limit: pageSize, cursor }), [api, pageSize]);
  const { items, button } = useLoadMore(first, next, { testId: 'external-load-more' });
  return (
    <>
      <ExternalRunsTable runs={items} />
      {button}
    </>
  );
}
