'use client';

import type { AnalysisDetailDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { useState } from 'react';
import { useApi } from '@/components/api-url';
import { StatusBadge } from '@/components/status-badge';
import { analysisProgress } from '@/lib/analysis-fold';
import { failureText } from '@/lib/api-client';
import { formatTime } from '@/lib/format';
import { TERMINAL } from '@/lib/stream-fold';

/** Params as `resolution 5 · chunks 2`, for telling two analyses of one kind apart. */
function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(' · ');
}

/** The run's analyses with their status and each chunk's progress (units done of its units, as its engine says). */
export function AnalysisList({
  analyses,
  shown,
  onShow,
  onCancelled,
  readOnly,
}: {
  analyses: AnalysisDetailDto[];
  /** Ids of the analyses the views below draw. */
  shown: string[];
  onShow: (analysis: AnalysisDetailDto) => void;
  onCancelled: (analysis: Partial<AnalysisDetailDto> & { id: string }) => void;
  readOnly: boolean;
}) {
  const t = useTranslations('analyses');
  if (!analyses.length) {
    return (
      <p className="panel empty" data-testid="analyses-empty">
        {t('listEmpty')}
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label={t('listLabel')} data-testid="analysis-list">
        <thead>
          <tr>
            <th scope="col">{t('colAnalysis')}</th>
            <th scope="col">{t('colStatus')}</th>
            <th scope="col">{t('colProgress')}</th>
            <th scope="col">{t('colParams')}</th>
            <th scope="col">{t('colCreated')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('colActions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {analyses.map((a) => (
            <AnalysisRow
              key={a.id}
              analysis={a}
              shown={shown.includes(a.id)}
              onShow={() => onShow(a)}
              onCancelled={onCancelled}
              readOnly={readOnly}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AnalysisRow({
  analysis: a,
  shown,
  onShow,
  onCancelled,
  readOnly,
}: {
  analysis: AnalysisDetailDto;
  shown: boolean;
  onShow: () => void;
  onCancelled: (analysis: Partial<AnalysisDetailDto> & { id: string }) => void;
  readOnly: boolean;
}) {
  const f = useFormatter();
  const t = useTranslations('analyses');
  const tf = useTranslations('failures');
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const progress = analysisProgress(a);
  const cancel = async () => {
    setError(null);
    try {
      const fresh = await api.cancelAnalysis(a.id);
      onCancelled(fresh);
    } catch (err) {
      setError(failureText(tf, err));
    }
  };
  return (
    <tr
      data-testid="analysis-row"
      data-kind={a.kind}
      data-status={a.status}
      data-analysis-id={a.id}
      data-done={progress?.done ?? 0}
      data-units={progress?.units ?? ''}
    >
      <th scope="row">{t('kindTitle', { kind: a.kind })}</th>
      <td>
        <StatusBadge status={a.status} />
      </td>
      <td>
        <ul className="plain-list">
          {[...a.jobs]
            .sort((x, y) => x.chunk - y.chunk)
            .map((j) => (
              <li key={j.runId} data-testid="analysis-chunk" data-status={j.status}>
                {a.chunks > 1 ? t('chunk', { n: j.chunk + 1, of: a.chunks }) : ''}
                {j.units === null ? (
                  <span className="muted">{j.status === 'queued' ? t('waitingWorker') : t('starting')}</span>
                ) : (
                  <>
                    <progress max={j.units} value={Math.min(j.done, j.units)} /> {j.done}/{j.units}
                  </>
                )}
                {j.failureReason ? <span className="error-text"> {j.failureReason}</span> : null}
              </li>
            ))}
        </ul>
      </td>
      <td className="small mono">{paramsText(a.params)}</td>
      <td className="small">{formatTime(f, a.createdAt)}</td>
      <td>
        <div className="actions">
          {a.kind === 'cost' ? null : (
            <button type="button" onClick={onShow} disabled={shown} aria-pressed={shown}>
              {shown ? t('shownBelow') : t('show')}
            </button>
          )}
          {!readOnly && !TERMINAL.includes(a.status) ? (
            <button type="button" onClick={cancel}>
              {t('cancel')}
            </button>
          ) : null}
          {error ? (
            <span role="alert" className="error-text">
              {error}
            </span>
          ) : null}
        </div>
      </td>
    </tr>
  );
}
