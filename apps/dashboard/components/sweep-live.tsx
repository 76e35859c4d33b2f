'use client';

import {
  type DegradationVerdict,
  type DepthPoint,
  degradationVerdict,
  describeRecipe,
  finalErrors,
  iterationBudget,
  type SeedRow,
  type SweepDetailDto,
  type SweepRunDto as SweepRun,
  verdictSentences,
} from '@reslab/contracts';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useApi, useReadOnly, useStreamConnection } from '@/components/api-url';
import { ConnectionBanner } from '@/components/connection-banner';
import { EChart } from '@/components/echart';
import { countStatuses, StatusCounts } from '@/components/status-counts';
import { SweepRunsTable } from '@/components/sweep-runs-table';
import { depthPlotOption, overlayOption } from '@/lib/chart-options';
import { type CurveRun, RUN_SERIES_MAX } from '@/lib/curve-series';
import { shortId } from '@/lib/format';
import { loadTrainCurves } from '@/lib/page-data';
import { archLook } from '@/lib/palette';
import { type StreamState, subscribe } from '@/lib/stream-client';
import { applySweepEvent, type SweepState, sweepFromSnapshot } from '@/lib/stream-fold';
import { mergeTrainCurves } from '@/lib/train-curves';

/**
 * One sweep, live. Signed in it offers cancel and retry (and `share`, the page's share panel); opened through a
 * share link it is read-only and links nowhere else.
 */
export function SweepLive({ initial, share }: { initial: SweepDetailDto; share?: ReactNode }) {
  const api = useApi();
  const connection = useStreamConnection();
  const readOnly = useReadOnly();
  const [live, setLive] = useState<SweepState>({ sweep: initial, curves: {}, statusEventIds: {} });
  const [curvesLoad, setCurvesLoad] = useState<'loading' | 'loaded' | 'failed'>('loading');
  const [stream, setStream] = useState<{ state: StreamState; detail?: string }>({ state: 'connecting' });
  const { sweep, curves } = live;
  const sweepId = sweep.id;
  const setSweep = (fresh: SweepDetailDto) => setLive((s) => ({ ...s, sweep: fresh }));

  useEffect(
    () =>
      subscribe(
        connection,
        { kind: 'sweep', id: sweepId },
        {
          onSnapshot: (snapshot) => setLive((s) => sweepFromSnapshot(s, snapshot)),
          onEvent: (event) => setLive((s) => applySweepEvent(s, event)),
          onState: (state, detail) => setStream({ state, detail }),
        },
      ),
    [connection, sweepId],
  );

  // After the first paint: the page shows its runs while the curves (2.3 MB for 1,000 runs) are on their way.
  useEffect(() => {
    let current = true;
    void loadTrainCurves(api, sweepId)
      .catch(() => ({ curves: {}, failed: true }))
      .then(({ curves: loaded, failed }) => {
        if (!current) return;
        setLive((s) => ({ ...s, curves: mergeTrainCurves(loaded, s.curves) }));
        setCurvesLoad(failed ? 'failed' : 'loaded');
      });
    return () => {
      current = false;
    };
  }, [api, sweepId]);

  const counts = useMemo(() => countStatuses(sweep.runs.map((r) => r.status)), [sweep.runs]);
  return (
    <>
      <header className="run-header">
        <h1>{sweep.name}</h1>
        <StatusCounts counts={counts} />
        {readOnly ? null : <SweepActions sweep={sweep} onSweep={setSweep} />}
      </header>
      {readOnly ? null : share}
      <ConnectionBanner state={stream.state} detail={stream.detail} />
      {typeof sweep.spec.description === 'string' ? <p>{sweep.spec.description}</p> : null}
      {sweep.runs.length === 0 ? (
        <p className="panel empty" data-testid="sweep-empty">
          This sweep has no runs.
        </p>
      ) : (
        <>
          <DepthPlot runs={sweep.runs} />
          <TrainingCurves runs={sweep.runs} curves={curves} load={curvesLoad} />
          <SweepRunsTable runs={sweep.runs} />
        </>
      )}
      <details className="panel spec">
        <summary>Sweep spec</summary>
        <pre className="code-block">{JSON.stringify(sweep.spec, null, 2)}</pre>
      </details>
    </>
  );
}

function DepthPlot({ runs }: { runs: SweepRun[] }) {
  const { split, train, held: test, rows } = useMemo(() => finalErrors(runs), [runs]);
  const heldLabel = split === 'test' ? 'test error' : 'val error';
  const option = useMemo(() => depthPlotOption(train, test, heldLabel), [train, test, heldLabel]);
  const seeds = Math.max(0, ...train.map((p) => p.n));
  const verdict = useMemo(() => degradationVerdict(train), [train]);
  const finished = runs.every((r) => r.status !== 'queued' && r.status !== 'running');
  return (
    <section aria-labelledby="depth-heading">
      <h2 id="depth-heading">Error against depth</h2>
      <p className="explain">
        Final training error and {heldLabel} (1 − accuracy, %) at each depth, one line per architecture, mean ± std over
        {seeds > 1 ? ` up to ${seeds} seeds` : ' seeds'} (He et al. 2016, Fig. 6 in one view; docs/course.md §1).
        Degradation shows as a plain line that rises with depth while the residual line stays flat or falls: deeper
        plain nets train worse, deeper residual nets better.
      </p>
      <Recipe run={runs[0]} />
      {train.length === 0 && test.length === 0 ? (
        <p className="panel empty" data-testid="depth-empty">
          No run has finished an epoch yet; the plot fills in as runs report.
        </p>
      ) : (
        <>
          <EChart
            option={option}
            label="Final training and held-out error against depth, plain vs residual, mean ± std over seeds"
            height={380}
            testId="depth-chart"
          />
          {verdict ? <Verdict verdict={verdict} train={train} finished={finished} /> : null}
          <SeedTable rows={rows} heldLabel={heldLabel} />
        </>
      )}
    </section>
  );
}

/** The recipe and its iteration budget, from the runs' own config: what the plot is evidence of. */
function Recipe({ run }: { run: SweepRun | undefined }) {
  if (!run) return null;
  const budget = iterationBudget(run.config);
  return (
    <p className="explain" data-testid="sweep-recipe">
      <strong>Recipe.</strong> {describeRecipe(run.config)}
      {budget && budget.iterations < PAPER_ITERATIONS
        ? ` He et al. train CIFAR-10 for ${PAPER_ITERATIONS.toLocaleString('en-US')} iterations; ${budget.iterations.toLocaleString('en-US')} show the first part of their Fig. 6.`
        : ''}
    </p>
  );
}

/** He et al. 2016 §4.2: "terminate training at 64k iterations". */
const PAPER_ITERATIONS = 64000;

/** What the plot shows, in words, with each gap set against the spread over seeds; disappointments said plainly. */
function Verdict({
  verdict,
  train,
  finished,
}: {
  verdict: DegradationVerdict;
  train: DepthPoint[];
  finished: boolean;
}) {
  return (
    <ul className="explain verdict" data-testid="degradation-verdict">
      {!finished ? <li className="muted">Runs are still going: the figures below are of the epochs so far.</li> : null}
      {verdictSentences(verdict, train).map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}

/** Mean ± std over seeds per net: the numbers behind the plot. */
function SeedTable({ rows, heldLabel }: { rows: SeedRow[]; heldLabel: string }) {
  const cell = (p: DepthPoint | undefined) => (p ? `${p.mean.toFixed(1)} ± ${p.std.toFixed(1)}` : '—');
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label="Final error per net, mean ± std over seeds" data-testid="seed-table">
        <thead>
          <tr>
            <th scope="col">Net</th>
            <th scope="col" className="num">
              Runs
            </th>
            <th scope="col" className="num">
              Train error % (final epoch)
            </th>
            <th scope="col" className="num">
              {heldLabel === 'test error' ? 'Test error % (final weights, once)' : 'Val error % (final epoch)'}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ train: p, held }) => (
            <tr key={`${p.arch}${p.depth}`} data-testid="seed-row" data-net={`${p.arch}${p.depth}`}>
              <th scope="row" className="mono">
                {p.arch}-{p.depth}
              </th>
              <td className="num">{p.n}</td>
              <td className="num mono">{cell(p)}</td>
              <td className="num mono">{cell(held)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TrainingCurves({
  runs,
  curves,
  load,
}: {
  runs: SweepRun[];
  curves: SweepState['curves'];
  load: 'loading' | 'loaded' | 'failed';
}) {
  // A snapshot or a status event brings a new `runs` array but nothing this chart reads (ids, names, configs
  // are fixed at creation): keyed by the ids, the 1,000-run chart is not rebuilt and redrawn for each (issue 13).
  const ids = runs.map((r) => r.id).join(',');
  const lines = useMemo(
    () =>
      [...runs]
        .sort(
          (a, b) =>
            a.config.model.arch.localeCompare(b.config.model.arch) || a.config.model.depth - b.config.model.depth,
        )
        .map((r) => ({
          id: r.id,
          label: r.name ?? `${r.config.model.arch}${r.config.model.depth} ${shortId(r.id)}`,
          arch: r.config.model.arch,
          depth: r.config.model.depth,
          iterationsPerEpoch: iterationBudget(r.config)?.iterationsPerEpoch,
        })),
    [ids],
  );
  // Iterations, as in Fig. 6, where every run's data set size is known before it runs; epochs otherwise.
  const byIteration = lines.every((l) => l.iterationsPerEpoch !== undefined);
  const option = useMemo(() => {
    const list: CurveRun[] = lines.map(({ iterationsPerEpoch, ...line }) => ({
      ...line,
      points: (curves[line.id] ?? []).map(([epoch, error]): [number, number] => [
        byIteration ? epoch * (iterationsPerEpoch ?? 1) : epoch,
        error,
      ]),
    }));
    return overlayOption(list, 'training error (%)', 'arch', byIteration ? 'iteration' : 'epoch');
  }, [lines, curves, byIteration]);
  return (
    <section aria-labelledby="sweep-curves-heading">
      <h2 id="sweep-curves-heading">Training error of every run</h2>
      <p className="muted">
        Colour and line style by architecture ({archLook('plain').label}: dashed, {archLook('resnet').label}: solid);
        deeper nets are drawn darker.{' '}
        {runs.length <= RUN_SERIES_MAX
          ? 'Click a legend entry to hide a run.'
          : `Above ${RUN_SERIES_MAX} runs, the runs of each net are drawn as one series: click a legend entry to hide a net; the table below lists every run.`}{' '}
        <span data-testid="curves-x-axis">
          {byIteration
            ? 'Against iterations (SGD steps), as in He et al. Fig. 6.'
            : 'Against epochs: the size of this data set is known only once a run has read it.'}
        </span>
      </p>
      {load === 'failed' ? (
        <p className="notice" role="status">
          Could not load the training curves; they fill in as new epochs arrive.
        </p>
      ) : null}
      {load === 'loading' ? (
        <p className="panel empty" style={{ height: 380 }} data-testid="sweep-curves-loading">
          Loading the training curves…
        </p>
      ) : (
        <EChart
          option={option}
          label={`Training error of every run in the sweep, against ${byIteration ? 'iterations' : 'epochs'}`}
          height={380}
          testId="sweep-curves-chart"
        />
      )}
    </section>
  );
}

function SweepActions({ sweep, onSweep }: { sweep: SweepDetailDto; onSweep: (s: SweepDetailDto) => void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const active = sweep.runs.some((r) => r.status === 'queued' || r.status === 'running');
  const retriable = sweep.runs.some((r) => r.status === 'failed' || r.status === 'cancelled');
  const act = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setError(null);
    try {
      onSweep(await (what === 'cancel' ? api.cancelSweep(sweep.id) : api.retrySweep(sweep.id)));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="actions">
      {active ? (
        <button type="button" disabled={busy} onClick={() => act('cancel')}>
          Cancel queued and running runs
        </button>
      ) : null}
      {retriable ? (
        <button type="button" disabled={busy} onClick={() => act('retry')}>
          Retry failed and cancelled runs
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
