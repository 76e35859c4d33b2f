'use client';

import type { EpochMetricDto, ExternalRunDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '@/components/api-url';
import { ConnectionBanner } from '@/components/connection-banner';
import { EChart } from '@/components/echart';
import { MetricsTable } from '@/components/metrics-table';
import { Curves, EpochDetail } from '@/components/run-live';
import { StatusBadge } from '@/components/status-badge';
import { useRoom } from '@/components/use-room';
import { failureText } from '@/lib/api-client';
import { readHistories } from '@/lib/external-data';
import {
  EXTERNAL_REFRESH_MS,
  type HistoryPoint,
  type HistoryWords,
  historyOption,
  metricKeys,
  movedKeys,
} from '@/lib/external-runs';
import { formatDuration, formatTime, shortId } from '@/lib/format';
import {
  applyExternalRunEvent,
  type ExternalRunLive,
  externalFromSnapshot,
  externalWithConfusions,
} from '@/lib/stream-fold';

export interface ExternalRunState {
  run: ExternalRunDto;
  /** Every point of each metric key, by key. */
  histories: Record<string, HistoryPoint[]>;
  /** Epochs logged with log_epoch (GET /runs/:id/metrics), as an engine run's. */
  epochs: EpochMetricDto[];
}

/**
 * One run logged from a script, live. Its epochs (log_epoch) and status come over the socket, from the run's
 * `externalRun` room, as an engine run's do; its metric histories, which are not streamed, are read again every
 * few seconds while it runs: the run's newest point per key says which keys moved, and only those are fetched.
 */
export function ExternalRunView({ initial }: { initial: ExternalRunState }) {
  const t = useTranslations('external');
  const tf = useTranslations('failures');
  const f = useFormatter();
  const api = useApi();
  const [live, setLive] = useState<ExternalRunLive>({ run: initial.run, epochs: initial.epochs });
  const [histories, setHistories] = useState(initial.histories);
  const [refreshError, setRefreshError] = useState<string | null>(null);
  const { run, epochs } = live;
  const runId = run.id;
  const status = run.status;
  const stream = useRoom(
    { kind: 'externalRun', id: runId },
    {
      onSnapshot: (snapshot) => setLive(externalFromSnapshot(snapshot)),
      onEvent: (event) => setLive((s) => applyExternalRunEvent(s, event)),
    },
  );

  // The summaries the histories held were read with; a read whose keys moved fetches those keys again.
  const readWith = useRef(initial.run.metrics);
  const [reads, setReads] = useState(0);
  const finalRead = useRef(false);
  useEffect(() => {
    // One last read after each end: a resumed run (MLflow's start_run(run_id=...)) ends again and needs another.
    if (status === 'running') finalRead.current = false;
    else {
      if (finalRead.current) return;
      finalRead.current = true;
    }
    let stale = false;
    const refresh = async () => {
      try {
        const fresh = await api.getExternalRun(runId);
        if (!fresh || stale) return;
        const moved = movedKeys(readWith.current, fresh.metrics);
        const read = await readHistories(api, runId, moved);
        if (stale) return;
        readWith.current = fresh.metrics;
        setHistories((h) => ({ ...h, ...read }));
        // A running status stays the stream's, whose events are ordered by id; an end is final either way (an
        // external run is never retried), so a page whose socket is down still sees its run end.
        setLive((s) => ({ ...s, run: { ...fresh, status: fresh.status === 'running' ? s.run.status : fresh.status } }));
        setRefreshError(null);
      } catch (error) {
        if (!stale) setRefreshError(failureText(tf, error));
      } finally {
        if (!stale && status === 'running') setReads((n) => n + 1);
      }
    };
    // Once more right after the run ends, for the points its last batch held.
    const timer = setTimeout(refresh, status === 'running' ? EXTERNAL_REFRESH_MS : 0);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, runId, status, reads, tf]);

  const fetchConfusions = useCallback(() => {
    api
      .listRunMetrics(runId)
      .then((fetched) => setLive((s) => externalWithConfusions(s, fetched)))
      .catch(() => {});
  }, [api, runId]);

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
      <ConnectionBanner state={stream.state} detail={stream.detail} />
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
          <EpochDetail
            metrics={epochs}
            classNames={run.classNames}
            confusionToFetch={live.confusionToFetch ?? []}
            onConfusionWanted={fetchConfusions}
          />
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
