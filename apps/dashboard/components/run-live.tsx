'use client';

import { type ArtifactDto, backoffMs, type EpochMetricDto, type Split } from '@reslab/contracts';
import { useTranslations } from 'next-intl';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi, useApiUrl, useReadOnly } from '@/components/api-url';
import { ConnectionBanner } from '@/components/connection-banner';
import { CurvatureByEpoch } from '@/components/curvature-by-epoch';
import { EChart, withAxisNames, withSeriesNames } from '@/components/echart';
import { MetricsTable } from '@/components/metrics-table';
import { ArtifactList, FailureDetails, PerClassTable, RunSummary } from '@/components/run-details';
import { StatusBadge } from '@/components/status-badge';
import { useRoom } from '@/components/use-room';
import { ApiFailure, artifactDownloadUrl, failureText } from '@/lib/api-client';
import { confusionOption, gradFlowOption, METRICS, runCurvesOption } from '@/lib/chart-options';
import { shortId } from '@/lib/format';
import { applyRunEvent, metricKey, type RunState, runFromSnapshot, TERMINAL, withConfusions } from '@/lib/stream-fold';

/**
 * One run, live. Signed in it offers cancel and retry (and `share`, the page's share panel); opened through a
 * share link (components/api-url.tsx ShareAccess) it is read-only and links nowhere else.
 */
export function RunLive({
  initial,
  artifacts: initialArtifacts,
  share,
}: {
  initial: RunState;
  artifacts: ArtifactDto[] | null;
  share?: ReactNode;
}) {
  const base = useApiUrl();
  const api = useApi();
  const t = useTranslations('run');
  const tChart = useTranslations('charts');
  const readOnly = useReadOnly();
  const [state, setState] = useState(initial);
  const [artifacts, setArtifacts] = useState(initialArtifacts);
  const { run, metrics, gradFlow, curvature = [] } = state;
  const runId = run.id;
  const status = run.status;
  const stream = useRoom(
    { kind: 'run', id: runId },
    {
      onSnapshot: (snapshot) => setState(runFromSnapshot(snapshot)),
      onEvent: (event) => setState((s) => applyRunEvent(s, event)),
    },
  );

  // A finished run has more to show than a status event carries: exit code, stderr, artifacts.
  // Through an outage (unreachable, 5xx) it tries again after each backoff until it reads them.
  useEffect(() => {
    if (!TERMINAL.includes(status)) return;
    let stale = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const load = (attempt: number) =>
      Promise.all([api.getRun(runId), api.listRunArtifacts(runId)]).then(
        ([fresh, list]) => {
          if (stale) return;
          if (fresh) setState((s) => ({ ...s, run: fresh }));
          setArtifacts(list);
        },
        (err: unknown) => {
          if (!stale && err instanceof ApiFailure && err.retryable) {
            retry = setTimeout(() => load(attempt + 1), backoffMs(attempt));
          }
        },
      );
    load(0);
    return () => {
      stale = true;
      clearTimeout(retry);
    };
  }, [api, runId, status]);

  // Class names arrive with run_started, after a page opened on a queued run was rendered: read the run once more
  // when its first epoch shows up without them (synthetic data has none, so once is enough).
  const namesMissing = metrics.length > 0 && run.classNames === null;
  const namesAsked = useRef(false);
  useEffect(() => {
    if (!namesMissing || namesAsked.current) return;
    namesAsked.current = true;
    api
      .getRun(runId)
      .then((fresh) => {
        if (fresh?.classNames) setState((s) => ({ ...s, run: { ...s.run, classNames: fresh.classNames } }));
      })
      .catch(() => {});
  }, [api, runId, namesMissing]);

  const epochsDone = new Set(metrics.filter((m) => m.split === 'train').map((m) => m.epoch)).size;
  const fetchConfusions = useCallback(() => {
    api
      .listRunMetrics(runId)
      .then((fetched) => setState((s) => withConfusions(s, fetched)))
      .catch(() => {});
  }, [api, runId]);

  return (
    <>
      <header className="run-header">
        <h1>{run.name ?? t('titleShort', { id: shortId(run.id) })}</h1>
        <StatusBadge status={run.status} />
        {readOnly ? null : <RunActions state={state} onRun={(fresh) => setState((s) => ({ ...s, run: fresh }))} />}
      </header>
      {readOnly ? null : share}
      <ConnectionBanner state={stream.state} detail={stream.detail} />
      <RunSummary run={run} linkSweep={!readOnly} />
      {run.status === 'failed' ? <FailureDetails run={run} /> : null}
      {run.status !== 'failed' && run.stderrTail ? (
        <details className="panel">
          <summary>{t('stderrTail')}</summary>
          <pre className="code-block">{run.stderrTail}</pre>
        </details>
      ) : null}

      <section aria-labelledby="curves-heading">
        <h2 id="curves-heading">{t('curvesHeading')}</h2>
        <p data-testid="live-epochs" data-epochs={epochsDone} className="muted">
          {t('epochsRecorded', {
            done: epochsDone,
            total: run.config.epochs,
            running: run.status === 'running' ? 'yes' : 'no',
          })}
        </p>
        {metrics.length === 0 ? (
          <p className="panel empty" data-testid="curves-empty">
            {run.status === 'queued' || run.status === 'running' ? t('curvesWaiting') : t('noEpochMetrics')}
          </p>
        ) : (
          <Curves metrics={metrics} />
        )}
      </section>

      <section aria-labelledby="metrics-heading">
        <h2 id="metrics-heading">{t('metricsHeading')}</h2>
        {metrics.length === 0 ? (
          <p className="panel empty" data-testid="metrics-empty">
            {run.status === 'queued' || run.status === 'running' ? t('metricsWaiting') : t('noEpochMetrics')}
          </p>
        ) : (
          <MetricsTable metrics={metrics} />
        )}
      </section>

      {metrics.length > 0 ? (
        <EpochDetail
          metrics={metrics}
          classNames={run.classNames}
          confusionToFetch={state.confusionToFetch ?? []}
          onConfusionWanted={fetchConfusions}
        />
      ) : null}

      <section aria-labelledby="gradflow-heading">
        <h2 id="gradflow-heading">{t('gradFlowHeading')}</h2>
        <p className="explain">{t.rich('gradFlowExplain', { sub: (chunks) => <sub>{chunks}</sub> })}</p>
        {gradFlow.length === 0 ? (
          <p className="panel empty" data-testid="gradflow-empty">
            {t('gradFlowNone', { off: run.config.diagnostics.gradFlowBatches === 0 ? 'yes' : 'no' })}
          </p>
        ) : (
          <EChart
            option={withAxisNames(gradFlowOption(tChart, gradFlow), { x: t('axisGradEpoch'), y: t('axisGradBlock') })}
            label={t('gradFlowLabel')}
            height={Math.max(240, 22 * (gradFlow[0]?.blocks.length ?? 0) + 90)}
            testId="gradflow-chart"
          />
        )}
      </section>

      {curvature.length > 0 ? <CurvatureByEpoch run={run} rows={curvature} /> : null}

      <section aria-labelledby="artifacts-heading">
        <h2 id="artifacts-heading">{t('artifactsHeading')}</h2>
        {artifacts === null ? (
          <p className="panel panel--error">{t('artifactsFailed')}</p>
        ) : (
          <ArtifactList artifacts={artifacts} downloadUrl={readOnly ? null : (id) => artifactDownloadUrl(base, id)} />
        )}
      </section>

      <section aria-labelledby="config-heading">
        <h2 id="config-heading">{t('configHeading')}</h2>
        <pre className="code-block" data-testid="run-config">
          {JSON.stringify(run.config, null, 2)}
        </pre>
      </section>
    </>
  );
}

export function Curves({ metrics }: { metrics: EpochMetricDto[] }) {
  const t = useTranslations('run');
  const tc = useTranslations('common');
  const tm = useTranslations('compare');
  const x = t('axisEpoch');
  const [lossAxis, accuracyAxis, macroAxis] = [t('axisLoss'), t('axisAccuracy'), t('axisMacro')];
  // lib/chart-options names a series by its split, `train`, or by metric and split, `Precision (macro) · train`.
  const name = useCallback(
    (series: string) =>
      series
        .split(' · ')
        .map((part) => {
          const metric = METRICS.find((m) => m.label === part);
          if (metric) return tm('metricName', { metric: metric.key });
          return part === 'train' || part === 'val' || part === 'test' ? tc('split', { split: part }) : part;
        })
        .join(' · '),
    [tc, tm],
  );
  const curves = useCallback(
    (keys: Parameters<typeof runCurvesOption>[1], axis: string) =>
      withAxisNames(withSeriesNames(runCurvesOption(metrics, keys, axis), name), { x }),
    [metrics, name, x],
  );
  const loss = useMemo(() => curves(['loss'], lossAxis), [curves, lossAxis]);
  const accuracy = useMemo(() => curves(['accuracy'], accuracyAxis), [curves, accuracyAxis]);
  const prf = useMemo(() => curves(['precision', 'recall', 'f1'], macroAxis), [curves, macroAxis]);
  // `data-drawn`: the metrics (epoch:split) the charts hold, set after they drew them (a parent's effect runs
  // after its children's, and EChart draws in its effect), so a test or benchmark can wait for a drawn point.
  const grid = useRef<HTMLDivElement>(null);
  useEffect(() => {
    grid.current?.setAttribute('data-drawn', metrics.map(metricKey).join(' '));
  }, [metrics]);
  return (
    <div className="chart-grid" ref={grid} data-testid="run-curves">
      <figure>
        <figcaption>{t('lossCaption')}</figcaption>
        <EChart option={loss} label={t('lossLabel')} height={260} testId="loss-chart" />
      </figure>
      <figure>
        <figcaption>{t('accuracyCaption')}</figcaption>
        <EChart option={accuracy} label={t('accuracyLabel')} height={260} testId="accuracy-chart" />
      </figure>
      <figure className="chart-grid__wide">
        <figcaption>{t('prfCaption')}</figcaption>
        <EChart option={prf} label={t('prfLabel')} height={300} testId="prf-chart" />
      </figure>
    </div>
  );
}

/**
 * Per-class table and confusion matrix of the epoch and split the user picks (the latest by default). Live
 * epochs arrive without their matrix; it is fetched when the user looks at one.
 */
export function EpochDetail({
  metrics,
  classNames,
  confusionToFetch,
  onConfusionWanted,
}: {
  metrics: EpochMetricDto[];
  classNames: string[] | null;
  confusionToFetch: string[];
  onConfusionWanted: () => void;
}) {
  const t = useTranslations('run');
  const tChart = useTranslations('charts');
  const tc = useTranslations('common');
  const epochs = [...new Set(metrics.map((m) => m.epoch))];
  const splits = [...new Set(metrics.map((m) => m.split))];
  const [picked, setPicked] = useState<{ epoch: number | null; split: Split }>({ epoch: null, split: 'val' });
  const epoch = picked.epoch !== null && epochs.includes(picked.epoch) ? picked.epoch : (epochs.at(-1) ?? 1);
  const split = splits.includes(picked.split) ? picked.split : (splits[0] ?? 'train');
  const metric =
    metrics.find((m) => m.epoch === epoch && m.split === split) ?? metrics.find((m) => m.epoch === epoch) ?? null;
  const confusion = metric?.confusion ?? null;
  const [xName, yName] = [t('axisPredicted'), t('axisTrue')];
  const option = useMemo(
    () => (confusion ? withAxisNames(confusionOption(tChart, confusion, classNames), { x: xName, y: yName }) : null),
    [tChart, confusion, classNames, xName, yName],
  );
  const fetching = metric !== null && confusionToFetch.includes(metricKey(metric));
  useEffect(() => {
    if (fetching) onConfusionWanted();
  }, [fetching, onConfusionWanted]);

  return (
    <section aria-labelledby="epoch-heading">
      <h2 id="epoch-heading">{t('epochHeading')}</h2>
      <div className="controls">
        <label>
          {t('epochPick')}{' '}
          <select
            value={epoch}
            onChange={(e) => setPicked((p) => ({ ...p, epoch: Number(e.target.value) }))}
            data-testid="epoch-select"
          >
            {epochs.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('splitPick')}{' '}
          <select value={split} onChange={(e) => setPicked((p) => ({ ...p, split: e.target.value as Split }))}>
            {splits.map((s) => (
              <option key={s} value={s}>
                {tc('split', { split: s })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {metric ? (
        <div className="chart-grid">
          <div>
            <h3>{t('perClassHeading')}</h3>
            <PerClassTable metric={metric} classNames={classNames} />
          </div>
          <div>
            <h3>{t('confusionHeading')}</h3>
            {fetching && !option ? (
              <p className="panel empty" data-testid="confusion-loading">
                {t('confusionLoading', { epoch: metric.epoch, split: tc('split', { split: metric.split }) })}
              </p>
            ) : option ? (
              <EChart
                option={option}
                label={t('confusionLabel', { epoch: metric.epoch, split: tc('split', { split: metric.split }) })}
                height={360}
                testId="confusion-chart"
              />
            ) : (
              <p className="panel empty" data-testid="confusion-missing">
                {t('confusionMissing', { epoch: metric.epoch, split: tc('split', { split: metric.split }) })}
              </p>
            )}
          </div>
        </div>
      ) : null}
    </section>
  );
}

function RunActions({ state, onRun }: { state: RunState; onRun: (run: RunState['run']) => void }) {
  const api = useApi();
  const t = useTranslations('run');
  const tf = useTranslations('failures');
  const { run } = state;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const canCancel = (run.status === 'queued' || run.status === 'running') && !run.cancelRequestedAt;
  const canRetry = run.status === 'failed' || run.status === 'cancelled';
  if (!canCancel && !canRetry) return null;
  const act = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setError(null);
    try {
      onRun(await (what === 'cancel' ? api.cancelRun(run.id) : api.retryRun(run.id)));
    } catch (err) {
      setError(failureText(tf, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="actions">
      {canCancel ? (
        <button type="button" onClick={() => act('cancel')} disabled={busy} data-testid="cancel-run">
          {t('cancelRun')}
        </button>
      ) : null}
      {canRetry ? (
        <button type="button" onClick={() => act('retry')} disabled={busy} data-testid="retry-run">
          {t('retryRun')}
        </button>
      ) : null}
      {error ? (
        <span role="alert" className="error-text">
          {error}
        </span>
      ) : null}
    </div>
  );
}
