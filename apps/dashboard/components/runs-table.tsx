'use client';

import type { RunRowDto } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { useEffect } from 'react';
import { StatusBadge } from '@/components/status-badge';
import { useVirtualRows, VirtualBody, VirtualScroll } from '@/components/virtual-rows';
import { formatTime, modelLabel, percent, shortId } from '@/lib/format';

/** px: a row with a run name and its short id under it. */
const ROW_HEIGHT = 52;
/** Ask for the next page when the window of rows comes this close to the last one loaded (about two screens). */
const PREFETCH_ROWS = 40;
const COLUMNS = 10;

function Time({ iso }: { iso: string | null }) {
  const f = useFormatter();
  return iso ? <time dateTime={iso}>{formatTime(f, iso)}</time> : <span className="muted">—</span>;
}

/**
 * Runs as a table that renders only the rows in view (components/virtual-rows.tsx). `onNearEnd` is called when
 * the rows in view come near the last one loaded, for the next page.
 */
export function RunsTable({ runs, label, onNearEnd }: { runs: RunRowDto[]; label: string; onNearEnd?: () => void }) {
  const f = useFormatter();
  const t = useTranslations('runs');
  const { scrollRef, virtualizer } = useVirtualRows(runs.length, ROW_HEIGHT);
  const last = virtualizer.getVirtualItems().at(-1)?.index ?? 0;
  useEffect(() => {
    if (onNearEnd && last >= runs.length - PREFETCH_ROWS) onNearEnd();
  }, [last, runs.length, onNearEnd]);
  return (
    <VirtualScroll scrollRef={scrollRef} label={label} testId="runs-scroll">
      <table className="data-table" aria-label={label} aria-rowcount={runs.length + 1}>
        <thead>
          <tr>
            <th scope="col">{t('colRun')}</th>
            <th scope="col">{t('colStatus')}</th>
            <th scope="col">{t('colModel')}</th>
            <th scope="col">{t('colDataset')}</th>
            <th scope="col" className="num">
              {t('colEpochs')}
            </th>
            <th scope="col" className="num">
              {t('colValAcc')}
            </th>
            <th scope="col" className="num">
              {t('colAttempt')}
            </th>
            <th scope="col">{t('colQueued')}</th>
            <th scope="col">{t('colFinished')}</th>
            <th scope="col">{t('colFailure')}</th>
          </tr>
        </thead>
        <VirtualBody
          virtualizer={virtualizer}
          columns={COLUMNS}
          row={(index, rowProps) => {
            const run = runs[index] as RunRowDto;
            return (
              <tr key={run.id} {...rowProps} data-testid="run-row" data-status={run.status} data-run-id={run.id}>
                <th scope="row">
                  {/* Not prefetched: Next.js prefetches each <Link> that scrolls into view, and a virtual table brings
                      dozens into view a second, each a server render competing with the list's own pages (issue 13). */}
                  <Link href={`/runs/${run.id}`} prefetch={false}>
                    {run.name ?? shortId(run.id)}
                  </Link>
                  {run.name ? <div className="muted mono small">{shortId(run.id)}</div> : null}
                </th>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td className="mono">{modelLabel(run)}</td>
                <td>{run.dataset}</td>
                <td className="num">
                  {run.finalVal ? `${run.finalVal.epoch}/` : ''}
                  {run.epochs}
                </td>
                <td className="num mono">{run.finalVal ? percent(f, run.finalVal.accuracy) : '—'}</td>
                <td className="num">{run.attempt}</td>
                <td>
                  <Time iso={run.queuedAt} />
                </td>
                <td>
                  <Time iso={run.finishedAt} />
                </td>
                <td
                  className="reason"
                  title={run.failureReason ?? undefined}
                  style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
                >
                  {run.failureReason ?? <span className="muted">—</span>}
                </td>
              </tr>
            );
          }}
        />
      </table>
    </VirtualScroll>
  );
}
