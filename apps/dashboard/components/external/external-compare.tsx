'use client';

import type { ExternalRunDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { useMemo } from 'react';
import { EChart } from '@/components/echart';
import { type HistoryPoint, type HistoryWords, historyOption } from '@/lib/external-runs';
import { formatTime, shortId } from '@/lib/format';

/** Runs logged from scripts side by side: one chart per metric key they all logged, one line per run. */
export function ExternalCompare({
  runs,
  keys,
  histories,
  missing,
}: {
  runs: ExternalRunDto[];
  keys: string[];
  /** By run id, then key. */
  histories: Record<string, Record<string, HistoryPoint[]>>;
  /** Picked ids that name no run logged from a script the caller can see. */
  missing: number;
}) {
  const t = useTranslations('external');
  const f = useFormatter();
  const words: HistoryWords = useMemo(
    () => ({ step: t('step'), time: (timestamp) => formatTime(f, new Date(timestamp).toISOString()) }),
    [t, f],
  );
  const names = runs.map((run) => run.name ?? t('unnamed', { id: shortId(run.id) }));
  return (
    <section aria-labelledby="external-compare-heading" data-testid="external-compare">
      <h2 id="external-compare-heading">{t('compareHeading')}</h2>
      {missing > 0 ? (
        <p className="notice" role="status" data-testid="external-compare-missing">
          {t('compareMissing', { count: missing })}
        </p>
      ) : null}
      {runs.length < 2 ? (
        <p className="panel empty">{t('compareTooFew')}</p>
      ) : keys.length === 0 ? (
        <p className="panel empty" data-testid="external-compare-none">
          {t('compareNoShared')}
        </p>
      ) : (
        <>
          <p className="explain">{t('compareIntro')}</p>
          <div className="chart-grid">
            {keys.map((key) => (
              <CompareChart
                key={key}
                metric={key}
                lines={runs.map((run, i) => ({ name: names[i] ?? run.id, points: histories[run.id]?.[key] ?? [] }))}
                words={words}
              />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function CompareChart({
  metric,
  lines,
  words,
}: {
  metric: string;
  lines: { name: string; points: HistoryPoint[] }[];
  words: HistoryWords;
}) {
  const t = useTranslations('external');
  const option = useMemo(() => historyOption(metric, lines, words), [metric, lines, words]);
  const count = lines.reduce((n, line) => n + line.points.length, 0);
  return (
    <figure data-testid="external-compare-chart" data-key={metric} data-lines={lines.length}>
      <figcaption className="mono">{metric}</figcaption>
      <EChart option={option} label={t('chartLabel', { key: metric, count })} height={260} />
    </figure>
  );
}

/** The compare page's picker of runs logged from scripts: a plain GET form, the picks in the URL as `external`. */
export function ExternalPicker({ runs, picked }: { runs: ExternalRunDto[]; picked: string[] }) {
  const t = useTranslations('external');
  const f = useFormatter();
  const pickedSet = new Set(picked);
  return (
    <form method="get" action="/compare" aria-labelledby="external-picker-heading" data-testid="external-picker">
      <h2 id="external-picker-heading">{t('pickHeading')}</h2>
      <p>
        <button type="submit">{t('compareHeading')}</button>{' '}
        <span className="muted">{t('pickIntro', { count: runs.length })}</span>
      </p>
      <div className="table-wrap picker">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('pick')}</th>
              <th scope="col">{t('column.name')}</th>
              <th scope="col">{t('column.source')}</th>
              <th scope="col">{t('column.where')}</th>
              <th scope="col">{t('column.started')}</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>
                  <input
                    type="checkbox"
                    name="external"
                    value={run.id}
                    id={`pick-external-${run.id}`}
                    defaultChecked={pickedSet.has(run.id)}
                    data-testid="pick-external-run"
                  />
                </td>
                <th scope="row">
                  <label htmlFor={`pick-external-${run.id}`}>{run.name ?? shortId(run.id)}</label>
                </th>
                <td>{t('source', { source: run.source })}</td>
                <td className="mono">
                  {run.project} / {run.experiment}
                </td>
                <td>{formatTime(f, run.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </form>
  );
}
