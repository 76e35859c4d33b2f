'use client';

import type { CurvatureEventPayload, RunDto } from '@reslab/contracts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useApi, useStreamConnection } from '@/components/api-url';
import { EChart } from '@/components/echart';
import type { Net } from '@/lib/analysis-charts';
import { findTwin } from '@/lib/analysis-results';
import { type CurvaturePoint, curvatureByEpochOption, curvaturePoints } from '@/lib/curvature-chart';
import { modelLabel } from '@/lib/format';
import { subscribe } from '@/lib/stream-client';
import { applyRunEvent, type RunState, runFromSnapshot } from '@/lib/stream-fold';

interface TwinCurvature {
  run: RunDto;
  rows: CurvatureEventPayload[];
}

/**
 * The twin (same sweep, other side of plain / residual, same depth, width and seed) and its curvature rows, live.
 * No REST route serves a run's curvature rows, so the twin's come the way this run's do: its run room's snapshot
 * and `curvature` events. Looked for only when the twin measures curvature at all.
 */
function useTwinCurvature(run: RunDto): TwinCurvature | null {
  const api = useApi();
  const connection = useStreamConnection();
  const [twin, setTwin] = useState<RunState | null>(null);
  // The config is fixed for a run id; a fresh copy of the run (status, heartbeat) must not look for the twin again.
  const latest = useRef(run);
  latest.current = run;
  const { id, sweepId } = run;

  useEffect(() => {
    setTwin(null);
    if (!sweepId) return;
    let unsubscribe: (() => void) | null = null;
    let current = true;
    api
      .getSweep(sweepId)
      .then((sweep) => {
        const found = sweep ? findTwin(latest.current, sweep.runs) : null;
        if (!current || !found || found.config.diagnostics.curvatureEvery === 0) return;
        unsubscribe = subscribe(
          connection,
          { kind: 'run', id: found.id },
          {
            onSnapshot: (snapshot) => setTwin(runFromSnapshot(snapshot)),
            onEvent: (event) => setTwin((s) => (s ? applyRunEvent(s, event) : s)),
          },
        );
      })
      // A share link may not reach the sweep or the twin: the chart then shows this run alone.
      .catch(() => {});
    return () => {
      current = false;
      unsubscribe?.();
    };
  }, [api, connection, id, sweepId]);

  return twin ? { run: twin.run, rows: twin.curvature ?? [] } : null;
}

const num = (v: number) => Number(v.toPrecision(4)).toString();

/**
 * The per-epoch curvature diagnostic (issue 11 §3): the Hessian's top eigenvalue and trace on a fixed set of
 * training images, every `diagnostics.curvatureEvery` epochs and at initialisation, beside the twin's.
 */
export function CurvatureByEpoch({ run, rows }: { run: RunDto; rows: CurvatureEventPayload[] }) {
  const twin = useTwinCurvature(run);
  const mine = useMemo(() => curvaturePoints(rows), [rows]);
  const theirs = useMemo(() => (twin?.rows.length ? curvaturePoints(twin.rows) : null), [twin]);
  const nets = useMemo(() => {
    const out: Net<CurvaturePoint[]>[] = [{ label: modelLabel(run.config), arch: run.config.model.arch, result: mine }];
    if (twin && theirs) {
      out.push({ label: `${modelLabel(twin.run.config)} (twin)`, arch: twin.run.config.model.arch, result: theirs });
    }
    return out;
  }, [run.config, mine, twin, theirs]);
  const top = useMemo(() => curvatureByEpochOption(nets, 'topEigenvalue'), [nets]);
  const trace = useMemo(() => curvatureByEpochOption(nets, 'trace'), [nets]);
  const unsettled = mine.filter((p) => !p.converged).length;
  const { curvatureEvery, curvatureImages } = run.config.diagnostics;

  return (
    <section
      aria-labelledby="curvature-epochs-heading"
      data-testid="curvature-by-epoch"
      data-epochs={mine.map((p) => p.epoch).join(' ')}
      data-points={JSON.stringify(mine)}
      data-nets={nets.length}
    >
      <h2 id="curvature-epochs-heading">Curvature by epoch</h2>
      <p className="explain">
        How sharp the loss surface is where training has got to. Skip connections make the surface smoother (Li et al.
        2018; docs/course.md §2), and a sharper region has a larger top eigenvalue λ<sub>max</sub> of the Hessian, the
        loss's second derivative in weight space (Yao et al. 2020, PyHessian).{' '}
        {curvatureEvery === 1 ? 'After every epoch' : `Every ${curvatureEvery} epochs`} and at initialisation (epoch 0)
        the engine measured, on the same {curvatureImages} training images with BatchNorm on batch statistics as SGD
        sees the net, λ<sub>max</sub> by power iteration and the trace (the sum of all eigenvalues) by Hutchinson's
        estimator, in nats per unit weight². Error bars are ± one standard error over the random probes; a ringed point
        is one whose power iteration had not settled, so its λ<sub>max</sub> may still be too small.
        {twin && !theirs ? ` The twin ${modelLabel(twin.run.config)} has no curvature rows yet.` : ''}
      </p>
      <p className="muted" data-testid="curvature-epochs-summary">
        {mine.length} measurement{mine.length === 1 ? '' : 's'}, epochs {mine[0]?.epoch} to {mine.at(-1)?.epoch}; latest
        λ<sub>max</sub> {num(mine.at(-1)?.topEigenvalue ?? Number.NaN)}, trace {num(mine.at(-1)?.trace ?? Number.NaN)}
        {unsettled ? `; power iteration did not converge at ${unsettled} of them` : ''}.
      </p>
      <div className="chart-grid">
        <figure>
          <figcaption>Top eigenvalue of the Hessian</figcaption>
          <EChart
            option={top}
            label="Top Hessian eigenvalue against epoch, this run and its twin; ringed points did not converge"
            height={300}
            testId="curvature-epoch-eigen-chart"
          />
        </figure>
        <figure>
          <figcaption>Trace of the Hessian (bars: ± one standard error)</figcaption>
          <EChart
            option={trace}
            label="Hessian trace against epoch with one standard error, this run and its twin"
            height={300}
            testId="curvature-epoch-trace-chart"
          />
        </figure>
      </div>
    </section>
  );
}
