'use client';

import type { CurvatureEventPayload, RunDto } from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi, useStreamConnection } from '@/components/api-url';
import { EChart, withAxisNames } from '@/components/echart';
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

/**
 * The per-epoch curvature diagnostic (issue 11 §3): the Hessian's top eigenvalue and trace on a fixed set of
 * training images, every `diagnostics.curvatureEvery` epochs and at initialisation, beside the twin's.
 */
export function CurvatureByEpoch({ run, rows }: { run: RunDto; rows: CurvatureEventPayload[] }) {
  const t = useTranslations('analyses');
  const f = useFormatter();
  const num = (v: number) => (Number.isFinite(v) ? f.number(v, { maximumSignificantDigits: 4 }) : String(v));
  const twin = useTwinCurvature(run);
  const twinLabel = useCallback((r: RunDto) => t('twinLabel', { model: modelLabel(r.config) }), [t]);
  const mine = useMemo(() => curvaturePoints(rows), [rows]);
  const theirs = useMemo(() => (twin?.rows.length ? curvaturePoints(twin.rows) : null), [twin]);
  const nets = useMemo(() => {
    const out: Net<CurvaturePoint[]>[] = [{ label: modelLabel(run.config), arch: run.config.model.arch, result: mine }];
    if (twin && theirs) {
      out.push({ label: twinLabel(twin.run), arch: twin.run.config.model.arch, result: theirs });
    }
    return out;
  }, [run.config, mine, twin, theirs, twinLabel]);
  // The y axis keeps lib/curvature-chart's name: it adds ", log scale" when it draws one.
  const tChart = useTranslations('charts');
  const x = t('axisCurvatureEpoch');
  const top = useMemo(
    () => withAxisNames(curvatureByEpochOption(tChart, nets, 'topEigenvalue'), { x }),
    [tChart, nets, x],
  );
  const trace = useMemo(() => withAxisNames(curvatureByEpochOption(tChart, nets, 'trace'), { x }), [tChart, nets, x]);
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
      <h2 id="curvature-epochs-heading">{t('byEpochHeading')}</h2>
      <p className="explain">
        {t.rich('byEpochExplain', {
          sub: (chunks) => <sub>{chunks}</sub>,
          every: curvatureEvery,
          images: curvatureImages,
          twinMissing: twin && !theirs ? modelLabel(twin.run.config) : 'none',
        })}
      </p>
      <p className="muted" data-testid="curvature-epochs-summary">
        {t.rich('byEpochSummary', {
          sub: (chunks) => <sub>{chunks}</sub>,
          n: mine.length,
          from: mine[0]?.epoch ?? '',
          to: mine.at(-1)?.epoch ?? '',
          top: num(mine.at(-1)?.topEigenvalue ?? Number.NaN),
          trace: num(mine.at(-1)?.trace ?? Number.NaN),
          unsettled,
        })}
      </p>
      <div className="chart-grid">
        <figure>
          <figcaption>{t('byEpochTopCaption')}</figcaption>
          <EChart option={top} label={t('byEpochTopLabel')} height={300} testId="curvature-epoch-eigen-chart" />
        </figure>
        <figure>
          <figcaption>{t('byEpochTraceCaption')}</figcaption>
          <EChart option={trace} label={t('byEpochTraceLabel')} height={300} testId="curvature-epoch-trace-chart" />
        </figure>
      </div>
    </section>
  );
}
