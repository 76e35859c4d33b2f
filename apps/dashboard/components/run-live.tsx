'use client';

import { type ArtifactDto, backoffMs, type EpochMetricDto, type Split } from '@reslab/contracts';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi, useApiUrl, useReadOnly, useStreamConnection } from '@/components/api-url';
import { ConnectionBanner } from '@/components/connection-banner';
import { CurvatureByEpoch } from '@/components/curvature-by-epoch';
import { EChart } from '@/components/echart';
import { MetricsTable } from '@/components/metrics-table';
import { ArtifactList, FailureDetails, PerClassTable, RunSummary } from '@/components/run-details';
import { StatusBadge } from '@/components/status-badge';
import { ApiFailure, artifactDownloadUrl } from '@/lib/api-client';
import { confusionOption, gradFlowOption, runCurvesOption } from '@/lib/chart-options';
import { shortId } from '@/lib/format';
import { type StreamState, subscribe } from '@/lib/stream-client';
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
  const connection = useStreamConnection();
  const readOnly = useReadOnly();
  const [state, setState] = useState(initial);
  const [artifacts, setArtifacts] = useState(initialArtifacts);
  const [stream, setStream] = useState<{ state: StreamState; detail?: string }>({ state: 'connecting' });
  const { run, metrics, gradFlow, curvature = [] } = state;
  const runId = run.id;
  const status = run.status;

  useEffect(
    () =>
      subscribe(
        connection,
        { kind: 'run', id: runId },
        {
          onSnapshot: (snapshot) => setState(runFromSnapshot(snapshot)),
          onEvent: (event) => setState((s) => applyRunEvent(s, event)),
          onState: (s, detail) => setStream({ state: s, detail }),
        },
      ),
    [connection, runId],
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
        <h1>{run.name ?? `Run ${shortId(run.id)}`}</h1>
        <StatusBadge status={run.status} />
        {readOnly ? null : <RunActions state={state} onRun={(fresh) => setState((s) => ({ ...s, run: fresh }))} />}
      </header>
      {readOnly ? null : share}
      <ConnectionBanner state={stream.state} detail={stream.detail} />
      <RunSummary run={run} linkSweep={!readOnly} />
      {run.status === 'failed' ? <FailureDetails run={run} /> : null}
      {run.status !== 'failed' && run.stderrTail ? (
        <details className="panel">
          <summary>Last lines of stderr</summary>
          <pre className="code-block">{run.stderrTail}</pre>
        </details>
      ) : null}

      <section aria-labelledby="curves-heading">
        <h2 id="curves-heading">Training curves</h2>
        <p data-testid="live-epochs" data-epochs={epochsDone} className="muted">
          {epochsDone} of {run.config.epochs} epochs recorded
          {run.status === 'running' ? '; new epochs appear as they finish.' : '.'}
        </p>
        {metrics.length === 0 ? (
          <p className="panel empty" data-testid="curves-empty">
            {run.status === 'queued' || run.status === 'running'
              ? 'No epoch has finished yet; the curves draw themselves as epochs arrive.'
              : 'This run recorded no epoch metrics.'}
          </p>
        ) : (
          <Curves metrics={metrics} />
        )}
      </section>

      <section aria-labelledby="metrics-heading">
        <h2 id="metrics-heading">Epoch metrics</h2>
        {metrics.length === 0 ? (
          <p className="panel empty" data-testid="metrics-empty">
            {run.status === 'queued' || run.status === 'running'
              ? 'No epoch has finished yet; metrics appear here after each epoch.'
              : 'This run recorded no epoch metrics.'}
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
        <h2 id="gradflow-heading">Gradient flow</h2>
        <p className="explain">
          A residual block computes x<sub>l+1</sub> = x<sub>l</sub> + F(x<sub>l</sub>), so the gradient reaching a
          shallow block is ∂L/∂x<sub>l</sub> = ∂L/∂x<sub>L</sub> · (1 + ∂/∂x<sub>l</sub> Σ F): the “1” carries the
          signal from the deep end back undamped, whatever the depth. In a plain net the gradient is a product of many
          factors and can shrink layer by layer, so its early blocks (bottom rows) may starve. Each cell is the norm of
          the loss gradient at a block's input, on a log scale, averaged over a few training batches. With BatchNorm,
          plain nets often keep healthy norms (He et al. 2016 call degradation an optimisation difficulty, not vanishing
          gradients), and the ReLU after each addition makes the identity path only approximately exact; compare a plain
          and a residual run to see which holds here (docs/course.md, §1).
        </p>
        {gradFlow.length === 0 ? (
          <p className="panel empty" data-testid="gradflow-empty">
            No gradient-flow measurements{' '}
            {run.config.diagnostics.gradFlowBatches === 0 ? '(turned off: diagnostics.gradFlowBatches is 0).' : 'yet.'}
          </p>
        ) : (
          <EChart
            option={gradFlowOption(gradFlow)}
            label="Heatmap of the input gradient norm per block against epoch, log scale"
            height={Math.max(240, 22 * (gradFlow[0]?.blocks.length ?? 0) + 90)}
            testId="gradflow-chart"
          />
        )}
      </section>

      {curvature.length > 0 ? <CurvatureByEpoch run={run} rows={curvature} /> : null}

      <section aria-labelledby="artifacts-heading">
        <h2 id="artifacts-heading">Artifacts</h2>
        {artifacts === null ? (
          <p className="panel panel--error">Could not load this run's artifacts.</p>
        ) : (
          <ArtifactList artifacts={artifacts} downloadUrl={readOnly ? null : (id) => artifactDownloadUrl(base, id)} />
        )}
      </section>

      <section aria-labelledby="config-heading">
        <h2 id="config-heading">Config</h2>
        <pre className="code-block" data-testid="run-config">
          {JSON.stringify(run.config, null, 2)}
        </pre>
      </section>
    </>
  );
}

export function Curves({ metrics }: { metrics: EpochMetricDto[] }) {
  const loss = useMemo(() => runCurvesOption(metrics, ['loss'], 'cross-entropy (nats)'), [metrics]);
  const accuracy = useMemo(() => runCurvesOption(metrics, ['accuracy'], 'accuracy (%)'), [metrics]);
  const prf = useMemo(() => runCurvesOption(metrics, ['precision', 'recall', 'f1'], 'macro average (%)'), [metrics]);
  // `data-drawn`: the metrics (epoch:split) the charts hold, set after they drew them (a parent's effect runs
  // after its children's, and EChart draws in its effect), so a test or benchmark can wait for a drawn point.
  const grid = useRef<HTMLDivElement>(null);
  useEffect(() => {
    grid.current?.setAttribute('data-drawn', metrics.map(metricKey).join(' '));
  }, [metrics]);
  return (
    <div className="chart-grid" ref={grid} data-testid="run-curves">
      <figure>
        <figcaption>Loss</figcaption>
        <EChart option={loss} label="Loss per epoch, train and val" height={260} testId="loss-chart" />
      </figure>
      <figure>
        <figcaption>Accuracy</figcaption>
        <EChart option={accuracy} label="Accuracy per epoch, train and val" height={260} testId="accuracy-chart" />
      </figure>
      <figure className="chart-grid__wide">
        <figcaption>Macro precision, recall and F1</figcaption>
        <EChart
          option={prf}
          label="Macro precision, recall and F1 per epoch, train and val"
          height={300}
          testId="prf-chart"
        />
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
  const epochs = [...new Set(metrics.map((m) => m.epoch))];
  const splits = [...new Set(metrics.map((m) => m.split))];
  const [picked, setPicked] = useState<{ epoch: number | null; split: Split }>({ epoch: null, split: 'val' });
  const epoch = picked.epoch !== null && epochs.includes(picked.epoch) ? picked.epoch : (epochs.at(-1) ?? 1);
  const split = splits.includes(picked.split) ? picked.split : (splits[0] ?? 'train');
  const metric =
    metrics.find((m) => m.epoch === epoch && m.split === split) ?? metrics.find((m) => m.epoch === epoch) ?? null;
  const confusion = metric?.confusion ?? null;
  const option = useMemo(() => (confusion ? confusionOption(confusion, classNames) : null), [confusion, classNames]);
  const fetching = metric !== null && confusionToFetch.includes(metricKey(metric));
  useEffect(() => {
    if (fetching) onConfusionWanted();
  }, [fetching, onConfusionWanted]);

  return (
    <section aria-labelledby="epoch-heading">
      <h2 id="epoch-heading">Per class and confusion matrix</h2>
      <div className="controls">
        <label>
          Epoch{' '}
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
          Split{' '}
          <select value={split} onChange={(e) => setPicked((p) => ({ ...p, split: e.target.value as Split }))}>
            {splits.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {metric ? (
        <div className="chart-grid">
          <div>
            <h3>Precision, recall and F1 per class</h3>
            <PerClassTable metric={metric} classNames={classNames} />
          </div>
          <div>
            <h3>Confusion matrix (rows: true class)</h3>
            {fetching && !option ? (
              <p className="panel empty" data-testid="confusion-loading">
                Loading the confusion matrix of epoch {metric.epoch} ({metric.split})…
              </p>
            ) : option ? (
              <EChart
                option={option}
                label={`Confusion matrix, epoch ${metric.epoch}, ${metric.split}`}
                height={360}
                testId="confusion-chart"
              />
            ) : (
              <p className="panel empty" data-testid="confusion-missing">
                No confusion matrix for epoch {metric.epoch} ({metric.split}): this run's engine did not record one
                (older runs stored only per-class scores).
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
      setError(err instanceof ApiFailure || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="actions">
      {canCancel ? (
        <button type="button" onClick={() => act('cancel')} disabled={busy} data-testid="cancel-run">
          Cancel run
        </button>
      ) : null}
      {canRetry ? (
        <button type="button" onClick={() => act('retry')} disabled={busy} data-testid="retry-run">
          Retry (resumes from the last checkpoint)
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
