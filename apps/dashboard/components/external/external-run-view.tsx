'use client';

import type { EpochMetricDto, ExternalRunDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '@/components/api-url';
import { EChart } from '@/components/echart';
import { MetricsTable } from '@/components/metrics-table';
import { Curves, EpochDetail } from '@/components/run-live';
import { StatusBadge } from '@/components/status-badge';
import { ApiFailure } from '@/lib/api-client';
import {
  EXTERNAL_REFRESH_MS,
  type HistoryPoint,
  type HistoryWords,
  historyOption,
  metricKeys,
  movedKeys,
} from '@/lib/external-runs';
import { formatDuration, formatTime, shortId } from '@/lib/format';

export interface ExternalRunState {
  run: ExternalRunDto;
  /** Every point of each metric key, by key. */
  histories: Record<string, HistoryPoint[]>;
  /** Epochs logged with log_epoch (GET /runs/:id/metrics), as an engine run's. */
  epochs: EpochMetricDto[];
}

/**
 * One run logged from a script. While it runs, the page reads it again every few seconds: the run (status and
 * each key's newest point), its epochs, and the histories of the keys that moved.
 *
 * Polled, not subscribed: the run's socket room answers with a RunSnapshot, whose `run` is an engine run's RunDto
 * (a RunConfig the dashboard validates), which an external run does not have.
 */
export function ExternalRunView({ initial }: { initial: ExternalRunState }) {
  const t = useTranslations('external');
  const f = useFormatter();
  const api = useApi();
  const [state, setState] = useState(initial);
  const [refreshError, setRefreshError] = useState<string | null>(null);
  const { run, histories, epochs } = state;
  const current = useRef(state);
  current.current = state;

  useEffect(() => {
    if (run.status !== 'running') return;
    let stale = false;
    const timer = setTimeout(async () => {
      try {
        const [fresh, freshEpochs] = await Promise.all([api.getExternalRun(run.id), api.listRunMetrics(run.id)]);
        if (!fresh || stale) return;
        const moved = movedKeys(current.current.run.metrics, fresh.metrics);
        const read = await Promise.all(moved.map((key) => api.getMetricHistory(run.id, key)));
        if (stale) return;
        setRefreshError(null);
        setState((s) => ({
          run: fresh,
          epochs: freshEpochs,
          histories: { ...s.histories, ...Object.fromEntries(read.map((h) => [h.key, h.points])) },
        }));
      } catch (error) {
        if (stale) return;
        setRefreshError(error instanceof ApiFailure || error instanceof Error ? error.message : String(error));
        // A failed read leaves the state as it was, so the effect would not run again by itself.
        setState((s) => ({ ...s }));
      }
    }, EXTERNAL_REFRESH_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, run.id, run.status, state]);

  const words: HistoryWords = useMemo(
    () => ({ step: t('step'), time: (timestamp) => formatTime(f, new Date(timestamp).toISOString()) }),
    [t, f],
  );
  const keys = metricKeys(run);

  return (
    <>
      <header className="run-header">
        <h1>{run.name ?? t('unnamed', { id: shortId(run.id) })}</h1>
        <StatusBadge status={run.status} />
      </header>
      {run.status === 'running' ? (
        <p className="muted" data-testid="external-live">
          {t('live')}
        </p>
      ) : null}
      {refreshError ? (
        <p className="notice" role="status">
          {t('refreshFailed', { error: refreshError })}
        </p>
      ) : null}
      <section className="panel" aria-label={t('summaryLabel')}>
        <dl className="summary" data-testid="external-summary">
          <dt>{t('summary.source')}</dt>
          <dd data-testid="external-source">{t('source', { source: run.source })}</dd>
          <dt>{t('summary.project')}</dt>
          <dd className="mono">{run.project}</dd>
          <dt>{t('summary.experiment')}</dt>
          <dd className="mono">{run.experiment}</dd>
          <dt>{t('summary.started')}</dt>
          <dd>{formatTime(f, run.startedAt)}</dd>
          <dt>{t('summary.finished')}</dt>
          <dd>{run.finishedAt ? formatTime(f, run.finishedAt) : t('summary.stillRunning')}</dd>
          <dt>{t('summary.duration')}</dt>
          <dd>{formatDuration(f, run.startedAt, run.finishedAt)}</dd>
          {run.classNames ? (
            <>
              <dt>{t('summary.classes')}</dt>
              <dd>{run.classNames.join(', ')}</dd>
            </>
          ) : null}
        </dl>
      </section>

      <section aria-labelledby="external-metrics-heading">
        <h2 id="external-metrics-heading">{t('metricsHeading')}</h2>
        <p className="explain">{t('metricsIntro')}</p>
        {keys.length === 0 ? (
          <p className="panel empty" data-testid="external-metrics-empty">
            {run.status === 'running' ? t('metricsEmptyRunning') : t('metricsEmpty')}
          </p>
        ) : (
          <div className="chart-grid" data-testid="external-charts">
            {keys.map((key) => (
              <HistoryChart key={key} metric={key} points={histories[key] ?? []} words={words} />
            ))}
          </div>
        )}
      </section>

      {epochs.length > 0 ? (
        <>
          <section aria-labelledby="external-epochs-heading">
            <h2 id="external-epochs-heading">{t('epochsHeading')}</h2>
            <p className="explain">{t('epochsIntro')}</p>
            <Curves metrics={epochs} />
            <MetricsTable metrics={epochs} />
          </section>
          <EpochDetail metrics={epochs} classNames={run.classNames} confusionToFetch={[]} onConfusionWanted={noop} />
        </>
      ) : null}

      <KeyValues heading={t('paramsHeading')} values={run.params} testId="external-params" />
      <KeyValues heading={t('tagsHeading')} values={run.tags} testId="external-tags" />
      <section aria-labelledby="external-config-heading">
        <h2 id="external-config-heading">{t('configHeading')}</h2>
        <pre className="code-block" data-testid="external-config">
          {JSON.stringify(run.config, null, 2)}
        </pre>
      </section>
    </>
  );
}

const noop = () => {};

function HistoryChart({ metric, points, words }: { metric: string; points: HistoryPoint[]; words: HistoryWords }) {
  const t = useTranslations('external');
  const option = useMemo(() => historyOption(metric, [{ name: metric, points }], words), [metric, points, words]);
  return (
    <figure data-testid="external-chart" data-key={metric} data-points={points.length}>
      <figcaption className="mono">{metric}</figcaption>
      <EChart option={option} label={t('chartLabel', { key: metric, count: points.length })} height={240} />
    </figure>
  );
}

function KeyValues({ heading, values, testId }: { heading: string; values: Record<string, string>; testId: string }) {
  const t = useTranslations('external');
  const entries = Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
  const id = `${testId}-heading`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{heading}</h2>
      {entries.length === 0 ? (
        <p className="muted">{t('noneLogged')}</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-labelledby={id} data-testid={testId}>
            <thead>
              <tr>
                <th scope="col">{t('key')}</th>
                <th scope="col">{t('value')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map(([key, value]) => (
                <tr key={key} data-key={key}>
                  <th scope="row" className="mono">
                    {key}
                  </th>
                  <td className="mono">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
