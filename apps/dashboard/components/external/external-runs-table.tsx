'use client';

import type { ExternalRunDto } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { StatusBadge } from '@/components/status-badge';
import { listedMetrics, valueText } from '@/lib/external-runs';
import { formatTime, shortId } from '@/lib/format';

/** Runs logged from scripts, as the runs list shows them: each links to its page (app/(app)/external/[id]). */
export function ExternalRunsTable({ runs }: { runs: ExternalRunDto[] }) {
  const t = useTranslations('external');
  const f = useFormatter();
  const number = (n: number) => f.number(n, { maximumSignificantDigits: 5 });
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label={t('listLabel')} data-testid="external-runs">
        <thead>
          <tr>
            <th scope="col">{t('column.name')}</th>
            <th scope="col">{t('column.source')}</th>
            <th scope="col">{t('column.status')}</th>
            <th scope="col">{t('column.where')}</th>
            <th scope="col">{t('column.started')}</th>
            <th scope="col">{t('column.metrics')}</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const shown = listedMetrics(run);
            const more = run.metrics.length - shown.length;
            return (
              <tr key={run.id} data-testid="external-run-row" data-run-id={run.id} data-source={run.source}>
                <th scope="row">
                  <Link href={`/external/${run.id}`}>{run.name ?? t('unnamed', { id: shortId(run.id) })}</Link>
                </th>
                <td>{t('source', { source: run.source })}</td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td className="mono">
                  {run.project} / {run.experiment}
                </td>
                <td>{formatTime(f, run.startedAt)}</td>
                <td className="mono">
                  {shown.length === 0 ? (
                    <span className="muted">{t('noMetrics')}</span>
                  ) : (
                    shown.map((m) => (
                      <span key={m.key} className="metric-chip" data-testid="external-last-value" data-key={m.key}>
                        {m.key} {valueText(m.last.value, number)}{' '}
                      </span>
                    ))
                  )}
                  {more > 0 ? <span className="muted">{t('moreMetrics', { count: more })}</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
