'use client';

import type { AnalysisDetailDto, AnalysisKind, RunDto, SweepRunDto } from '@reslab/contracts';
import Link from 'next/link';
import { useFormatter, useTranslations } from 'next-intl';
import { useEffect, useMemo, useState } from 'react';
import { AnalysisList } from '@/components/analyses/analysis-list';
import { CurvatureView } from '@/components/analyses/curvature-view';
import { LandscapeView } from '@/components/analyses/landscape-view';
import { LaunchAnalysis } from '@/components/analyses/launch-analysis';
import { LesionView } from '@/components/analyses/lesion-view';
import { useLiveAnalyses } from '@/components/analyses/use-live-analyses';
import { useApi, useReadOnly } from '@/components/api-url';
import type { Net } from '@/lib/analysis-charts';
import {
  curvatureResult,
  findTwin,
  landscapeGrid,
  latestOfKind,
  lesionResult,
  sectionParts,
  twinCounterpart,
} from '@/lib/analysis-results';
import { modelLabel } from '@/lib/format';

const SHOWN_KINDS = ['lesion', 'landscape', 'curvature'] as const;

interface Twin {
  run: SweepRunDto;
  analyses: AnalysisDetailDto[];
}

/**
 * The twin's analysis drawn beside `mine`: the same kind with the same params; for a landscape nothing else will
 * do (another grid or other directions), for the rest the twin's newest of the kind.
 */
function twinOf(mine: AnalysisDetailDto, twin: Twin | null, sameGrid: boolean): AnalysisDetailDto | null {
  if (!twin) return null;
  return twinCounterpart(mine, twin.analyses) ?? (sameGrid ? null : latestOfKind(twin.analyses, mine.kind));
}

/**
 * The run page's analyses (issue 11): launch a lesion study, a landscape or a curvature estimate on the finished
 * run's checkpoint, follow each one's chunks, and read the results beside the twin's (the run of the same sweep
 * with the other architecture, same depth, width and seed). Read-only on a share page.
 */
export function RunAnalyses({
  run,
  initial,
  loadError,
  classes,
}: {
  run: RunDto;
  initial: AnalysisDetailDto[];
  /** Why the analyses could not be read on the server, if they could not. */
  loadError: string | null;
  /** Classes of the data set (from the run's metrics), for the lesion study's chance line. */
  classes: number | null;
}) {
  const api = useApi();
  const readOnly = useReadOnly();
  const t = useTranslations('analyses');
  const tc = useTranslations('common');
  const { analyses, add, replace } = useLiveAnalyses(initial);
  const [picked, setPicked] = useState<Partial<Record<AnalysisKind, string>>>({});
  const [twin, setTwin] = useState<Twin | null | 'none'>(null);
  const succeeded = analyses.filter((a) => a.status === 'succeeded').length;

  // The twin and its analyses, read again whenever one of this run's analyses finishes (its twin's may have too).
  useEffect(() => {
    if (!run.sweepId) {
      setTwin('none');
      return;
    }
    let current = true;
    api
      .getSweep(run.sweepId)
      .then(async (sweep) => {
        const found = sweep ? findTwin(run, sweep.runs) : null;
        if (!found) return current && setTwin('none');
        const list = await api.listRunAnalyses(found.id);
        if (current) setTwin({ run: found, analyses: list.items });
      })
      .catch(() => current && setTwin('none'));
    return () => {
      current = false;
    };
  }, [api, run, succeeded]);

  const shown = useMemo(() => {
    const out: Partial<Record<AnalysisKind, AnalysisDetailDto>> = {};
    for (const kind of SHOWN_KINDS) {
      const id = picked[kind];
      out[kind] = (id && analyses.find((a) => a.id === id)) || latestOfKind(analyses, kind) || undefined;
    }
    return out;
  }, [analyses, picked]);

  const twinRun = twin && twin !== 'none' ? twin : null;
  const mineLabel = modelLabel(run.config);
  const twinLabel = twinRun ? t('twinLabel', { model: modelLabel(twinRun.run.config) }) : '';

  const lesionNets = useMemo(() => {
    const mine = shown.lesion;
    if (!mine?.parts.length) return [];
    const theirs = twinOf(mine, twinRun, false);
    const nets: Net<ReturnType<typeof lesionResult>>[] = [
      { label: mineLabel, arch: run.config.model.arch, result: lesionResult(mine) },
    ];
    if (theirs?.parts.length && twinRun)
      nets.push({ label: twinLabel, arch: twinRun.run.config.model.arch, result: lesionResult(theirs) });
    return nets;
  }, [shown.lesion, twinRun, mineLabel, twinLabel, run.config.model.arch]);

  const landscape = useMemo(() => {
    const mine = shown.landscape;
    if (!mine?.parts.length) return null;
    const theirs = twinOf(mine, twinRun, true);
    const nets: Net<ReturnType<typeof landscapeGrid>>[] = [
      { label: mineLabel, arch: run.config.model.arch, result: landscapeGrid(mine) },
    ];
    if (theirs?.parts.length && twinRun)
      nets.push({ label: twinLabel, arch: twinRun.run.config.model.arch, result: landscapeGrid(theirs) });
    const note = !twinRun ? t('noTwin') : nets.length < 2 ? t('twinNoLandscape', { twin: twinLabel }) : null;
    return { nets, note };
  }, [shown.landscape, twinRun, mineLabel, twinLabel, run.config.model.arch, t]);

  const curvatureNets = useMemo(() => {
    const mine = shown.curvature;
    const estimate = mine ? curvatureResult(mine) : null;
    if (!mine || !estimate) return [];
    const nets: Net<typeof estimate>[] = [{ label: mineLabel, arch: run.config.model.arch, result: estimate }];
    const theirs = twinOf(mine, twinRun, false);
    const other = theirs ? curvatureResult(theirs) : null;
    if (other && twinRun) nets.push({ label: twinLabel, arch: twinRun.run.config.model.arch, result: other });
    return nets;
  }, [shown.curvature, twinRun, mineLabel, twinLabel, run.config.model.arch]);

  const finished = run.status === 'succeeded';
  return (
    <section aria-labelledby="analyses-heading" data-testid="run-analyses">
      <h2 id="analyses-heading">{t('runHeading')}</h2>
      <p className="explain">
        {t('runExplain')} {t('twinIs')}{' '}
        {twinRun ? (
          <>
            <span data-testid="twin-label">{twinLabel}</span>
            {readOnly ? null : (
              <>
                {' '}
                (<Link href={`/runs/${twinRun.run.id}`}>{t('twinPage')}</Link>)
              </>
            )}
          </>
        ) : twin === null ? (
          t('twinLooking')
        ) : (
          t('twinNone')
        )}{' '}
        {readOnly ? null : (
          <Link href={`/runs/${run.id}/model`} data-testid="model-link">
            {t('modelLink')}
          </Link>
        )}
      </p>
      {loadError ? <p className="panel panel--error">{t('runLoadFailed', { error: loadError })}</p> : null}
      {readOnly ? null : (
        <>
          {finished ? null : <p className="muted">{t('needsFinished', { status: tc(`status.${run.status}`) })}</p>}
          <div className="chart-grid">
            {SHOWN_KINDS.map((kind) => (
              <LaunchAnalysis
                key={kind}
                runId={run.id}
                kind={kind}
                disabled={!finished}
                onLaunched={(a) => {
                  add(a);
                  setPicked((p) => ({ ...p, [kind]: a.id }));
                }}
              />
            ))}
          </div>
        </>
      )}
      <AnalysisList
        analyses={analyses}
        shown={Object.values(shown).flatMap((a) => (a ? [a.id] : []))}
        onShow={(a) => setPicked((p) => ({ ...p, [a.kind]: a.id }))}
        onCancelled={replace}
        readOnly={readOnly}
      />
      {lesionNets.length ? <LesionView nets={lesionNets} classes={classes} /> : null}
      {landscape ? <LandscapeView nets={landscape.nets} twinNote={landscape.note} /> : null}
      {curvatureNets.length ? <CurvatureView nets={curvatureNets} /> : <CurvatureSoFar analysis={shown.curvature} />}
    </section>
  );
}

/** A curvature estimate still running: each batch's numbers as they arrive; the intervals come with the last. */
function CurvatureSoFar({ analysis }: { analysis: AnalysisDetailDto | undefined }) {
  const t = useTranslations('analyses');
  const f = useFormatter();
  const batches = analysis ? sectionParts(analysis, 'curvature.batch') : [];
  if (!batches.length) return null;
  const num = (v: number) => f.number(v, { maximumSignificantDigits: 4 });
  return (
    <section aria-label={t('curvatureSoFarLabel')} data-testid="curvature-so-far">
      <h3>{t('curvatureHeading')}</h3>
      <p className="muted">
        {t('curvatureSoFar', {
          n: batches.length,
          values: batches
            .map((b) => t('curvatureBatch', { top: num(b.topEigenvalue), trace: num(b.trace) }))
            .join('; '),
        })}
      </p>
    </section>
  );
}
