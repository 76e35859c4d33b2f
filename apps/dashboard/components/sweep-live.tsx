'use client';

import {
  type DegradationVerdict,
  type DepthPoint,
  degradationVerdict,
  finalErrors,
  IMAGENET_DEPTHS,
  iterationBudget,
  type SeedRow,
  type SweepDetailDto,
  type SweepRunDto as SweepRun,
  verdictFindings,
} from '@reslab/contracts';
import { useFormatter, useTranslations } from 'next-intl';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useApi, useReadOnly } from '@/components/api-url';
import { ConnectionBanner } from '@/components/connection-banner';
import { EChart, withAxisNames, withSeriesNames } from '@/components/echart';
import { countStatuses, StatusCounts } from '@/components/status-counts';
import { SweepRunsTable } from '@/components/sweep-runs-table';
import { useRoom } from '@/components/use-room';
import { failureText } from '@/lib/api-client';
import { depthPlotOption, overlayOption } from '@/lib/chart-options';
import { type CurveRun, RUN_SERIES_MAX } from '@/lib/curve-series';
import { fixed, shortId } from '@/lib/format';
import { loadTrainCurves } from '@/lib/page-data';
import { applySweepEvent, type SweepState, sweepFromSnapshot } from '@/lib/stream-fold';
import { mergeTrainCurves } from '@/lib/train-curves';

/**
 * One sweep, live. Signed in it offers cancel and retry (and `share`, the page's share panel); opened through a
 * share link it is read-only and links nowhere else.
 */
export function SweepLive({ initial, share }: { initial: SweepDetailDto; share?: ReactNode }) {
  const api = useApi();
  const readOnly = useReadOnly();
  const [live, setLive] = useState<SweepState>({ sweep: initial, curves: {}, statusEventIds: {} });
  const [curvesLoad, setCurvesLoad] = useState<'loading' | 'loaded' | 'failed'>('loading');
  const { sweep, curves } = live;
  const sweepId = sweep.id;
  const setSweep = (fresh: SweepDetailDto) => setLive((s) => ({ ...s, sweep: fresh }));
  const stream = useRoom(
    { kind: 'sweep', id: sweepId },
    {
      onSnapshot: (snapshot) => setLive((s) => sweepFromSnapshot(s, snapshot)),
      onEvent: (event) => setLive((s) => applySweepEvent(s, event)),
    },
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
  const t = useTranslations('sweep');
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
          {t('empty')}
        </p>
      ) : (
        <>
          <DepthPlot runs={sweep.runs} />
          <TrainingCurves runs={sweep.runs} curves={curves} load={curvesLoad} />
          <SweepRunsTable runs={sweep.runs} />
        </>
      )}
      <details className="panel spec">
        <summary>{t('spec')}</summary>
        <pre className="code-block">{JSON.stringify(sweep.spec, null, 2)}</pre>
      </details>
    </>
  );
}

function DepthPlot({ runs }: { runs: SweepRun[] }) {
  const { split, train, held: test, rows } = useMemo(() => finalErrors(runs), [runs]);
  const t = useTranslations('sweep');
  const tChart = useTranslations('charts');
  // The series are named by the test or val split's own word, as the legend shows them.
  const heldLabel = split === 'test' ? 'test error' : 'val error';
  const axisDepth = t('axisDepth');
  const axisError = t('axisError');
  const option = useMemo(() => {
    // lib/chart-options names each series `<arch> · <kind> error`; the legend shows the kind in the page's language.
    const renamed = withSeriesNames(depthPlotOption(tChart, train, test, heldLabel), (name) =>
      name.replace(/ · (train|test|val) error$/, (_, kind: string) => ` · ${t('seriesError', { kind })}`),
    );
    return withAxisNames(renamed, { x: axisDepth, y: axisError });
  }, [train, test, heldLabel, axisDepth, axisError, t, tChart]);
  const seeds = Math.max(0, ...train.map((p) => p.n));
  const verdict = useMemo(() => degradationVerdict(train), [train]);
  const finished = runs.every((r) => r.status !== 'queued' && r.status !== 'running');
  return (
    <section aria-labelledby="depth-heading">
      <h2 id="depth-heading">{t('depthHeading')}</h2>
      <p className="explain">{t('depthExplain', { split, seeds })}</p>
      <Recipe run={runs[0]} />
      {train.length === 0 && test.length === 0 ? (
        <p className="panel empty" data-testid="depth-empty">
          {t('depthEmpty')}
        </p>
      ) : (
        <>
          <EChart option={option} label={t('depthChartLabel')} height={380} testId="depth-chart" />
          {verdict ? <Verdict verdict={verdict} train={train} finished={finished} /> : null}
          <SeedTable rows={rows} split={split} />
        </>
      )}
    </section>
  );
}

/**
 * The recipe and its iteration budget, from the runs' own config: what the plot is evidence of. The same facts
 * as contracts' describeRecipe (which `reslab sweep show` prints in English), in the page's language.
 */
function Recipe({ run }: { run: SweepRun | undefined }) {
  const t = useTranslations('sweep');
  const f = useFormatter();
  if (!run) return null;
  const { data, optim, model, epochs } = run.config;
  const budget = iterationBudget(run.config);
  const width = model.width ?? ((IMAGENET_DEPTHS as readonly number[]).includes(model.depth) ? 64 : 16);
  return (
    <p className="explain" data-testid="sweep-recipe">
      <strong>{t('recipe')}</strong>{' '}
      {t('recipeText', {
        dataset: data.dataset,
        size: data.imageSize ? String(data.imageSize) : 'native',
        known: budget ? 'yes' : 'no',
        trainImages: budget?.trainImages ?? 0,
        valSize: data.valSize,
        augment: data.augment ? 'yes' : 'no',
        width,
        epochs,
        perEpoch: budget?.iterationsPerEpoch ?? 0,
        iterations: budget?.iterations ?? 0,
        batch: optim.batchSize,
        lr: optim.lr,
        momentum: optim.momentum,
        weightDecay: optim.weightDecay,
        schedule: optim.schedule,
        drops: f.list(
          (budget?.lrDrops ?? []).map((d) => f.number(d)),
          { type: 'conjunction' },
        ),
        warmup: optim.warmup ? 'yes' : 'no',
        warmupIterations: optim.warmup?.iterations ?? 0,
        warmupLr: optim.warmup?.lr ?? 0,
      })}
      {budget && budget.iterations < PAPER_ITERATIONS
        ? t('recipeBudget', { paper: PAPER_ITERATIONS, iterations: budget.iterations })
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
  const t = useTranslations('sweep');
  const f = useFormatter();
  const { shallow, deep, degradation, residualGain, depthGain, spread } = verdict;
  const shows = verdictFindings(verdict);
  const one = (x: number) => fixed(f, x, 1);
  const at = (arch: string, depth: number) =>
    one(train.find((p) => p.arch === arch && p.depth === depth)?.mean ?? Number.NaN);
  const signed = (x: { mean: number; std: number }) =>
    `${x.mean >= 0 ? '+' : '−'}${one(Math.abs(x.mean))} ± ${one(x.std)}`;
  const common = {
    deep,
    shallow,
    spread: one(spread),
    plainDeep: at('plain', deep),
    plainShallow: at('plain', shallow),
    resnetDeep: at('resnet', deep),
    resnetShallow: at('resnet', shallow),
  };
  const lines = [
    shows.degradation
      ? t('verdictDegradation', { ...common, gap: signed(degradation) })
      : t('verdictNoDegradation', { ...common, gap: signed(degradation) }),
    shows.residualGain
      ? t('verdictResidualGain', { ...common, gap: signed(residualGain), below: one(residualGain.mean) })
      : t('verdictNoResidualGain', { ...common, gap: signed(residualGain) }),
    shows.depthPays
      ? t('verdictDepthPays', common)
      : t('verdictDepthNotShown', { ...common, above: one(-depthGain.mean) }),
  ];
  return (
    <ul className="explain verdict" data-testid="degradation-verdict">
      {!finished ? <li className="muted">{t('stillRunning')}</li> : null}
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}

/** Mean ± std over seeds per net: the numbers behind the plot. */
function SeedTable({ rows, split }: { rows: SeedRow[]; split: 'test' | 'val' }) {
  const t = useTranslations('sweep');
  const f = useFormatter();
  const cell = (p: DepthPoint | undefined) => (p ? `${fixed(f, p.mean, 1)} ± ${fixed(f, p.std, 1)}` : '—');
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label={t('seedTableLabel')} data-testid="seed-table">
        <thead>
          <tr>
            <th scope="col">{t('colNet')}</th>
            <th scope="col" className="num">
              {t('colRuns')}
            </th>
            <th scope="col" className="num">
              {t('colTrainErrorFinal')}
            </th>
            <th scope="col" className="num">
              {split === 'test' ? t('colTestErrorFinal') : t('colValErrorFinal')}
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
  const t = useTranslations('sweep');
  const tc = useTranslations('common');
  const yName = t('axisTrainingError');
  const xName = byIteration ? t('axisIterations') : t('axisEpoch');
  const option = useMemo(() => {
    const list: CurveRun[] = lines.map(({ iterationsPerEpoch, ...line }) => ({
      ...line,
      points: (curves[line.id] ?? []).map(([epoch, error]): [number, number] => [
        byIteration ? epoch * (iterationsPerEpoch ?? 1) : epoch,
        error,
      ]),
    }));
    return withAxisNames(overlayOption(list, yName, 'arch', byIteration ? 'iteration' : 'epoch'), { x: xName });
  }, [lines, curves, byIteration, yName, xName]);
  return (
    <section aria-labelledby="sweep-curves-heading">
      <h2 id="sweep-curves-heading">{t('curvesHeading')}</h2>
      <p className="muted">
        {t('curvesStyle', { plain: tc('archName', { arch: 'plain' }), resnet: tc('archName', { arch: 'resnet' }) })}{' '}
        {runs.length <= RUN_SERIES_MAX ? t('curvesLegendFew') : t('curvesLegendMany', { max: RUN_SERIES_MAX })}{' '}
        <span data-testid="curves-x-axis">{byIteration ? t('curvesByIteration') : t('curvesByEpoch')}</span>
      </p>
      {load === 'failed' ? (
        <p className="notice" role="status">
          {t('curvesFailed')}
        </p>
      ) : null}
      {load === 'loading' ? (
        <p className="panel empty" style={{ height: 380 }} data-testid="sweep-curves-loading">
          {t('curvesLoading')}
        </p>
      ) : (
        <EChart
          option={option}
          label={t('curvesChartLabel', { byIteration: byIteration ? 'yes' : 'no' })}
          height={380}
          testId="sweep-curves-chart"
        />
      )}
    </section>
  );
}

function SweepActions({ sweep, onSweep }: { sweep: SweepDetailDto; onSweep: (s: SweepDetailDto) => void }) {
  const api = useApi();
  const t = useTranslations('sweep');
  const tf = useTranslations('failures');
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
      setError(failureText(tf, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="actions">
      {active ? (
        <button type="button" disabled={busy} onClick={() => act('cancel')}>
          {t('cancel')}
        </button>
      ) : null}
      {retriable ? (
        <button type="button" disabled={busy} onClick={() => act('retry')}>
          {t('retry')}
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
