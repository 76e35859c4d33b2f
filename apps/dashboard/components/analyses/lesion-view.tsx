'use client';

import { useFormatter, useTranslations } from 'next-intl';
import { useMemo } from 'react';
import { EChart, withAxisNames } from '@/components/echart';
import { lesionBlocksOption, lesionKOption, lesionReorderOption, type Net, pathsOption } from '@/lib/analysis-charts';
import type { LesionResult } from '@/lib/analysis-results';
import { percent } from '@/lib/format';

/**
 * The lesion study and the unraveled view (Veit et al. 2016) of the run and, when it has one, its twin: the
 * residual net beside the plain one is the point of every figure here.
 */
export function LesionView({ nets, classes }: { nets: Net<LesionResult>[]; classes: number | null }) {
  const f = useFormatter();
  const t = useTranslations('analyses');
  const tChart = useTranslations('charts');
  const y = t('axisTestError');
  const blocks = useMemo(
    () => withAxisNames(lesionBlocksOption(tChart, nets, classes), { x: t('axisDeletedBlock'), y }),
    [tChart, nets, classes, t, y],
  );
  const ks = useMemo(
    () => withAxisNames(lesionKOption(tChart, nets), { x: t('axisBlocksDeleted'), y }),
    [tChart, nets, t, y],
  );
  const reorder = useMemo(() => withAxisNames(lesionReorderOption(nets), { x: t('axisKendall'), y }), [nets, t, y]);
  const withPaths = nets.flatMap((n) => (n.result.paths ? [{ ...n, result: n.result.paths }] : []));
  const x = t('axisPathLength');
  const count = useMemo(
    () => withAxisNames(pathsOption(withPaths, 'paths'), { x, y: t('axisPaths', { what: 'paths' }) }),
    [withPaths, x, t],
  );
  const grad = useMemo(
    () => withAxisNames(pathsOption(withPaths, 'gradNorm'), { x, y: t('axisPaths', { what: 'gradNorm' }) }),
    [withPaths, x, t],
  );
  const share = useMemo(
    () => withAxisNames(pathsOption(withPaths, 'share'), { x, y: t('axisPaths', { what: 'share' }) }),
    [withPaths, x, t],
  );
  const reshaping = nets[0]?.result.blocks.filter((b) => b.reshapes).map((b) => b.block) ?? [];
  const images = nets[0]?.result.baseline?.images;

  return (
    <section aria-labelledby="lesion-heading" data-testid="lesion-view" data-nets={nets.length}>
      <h3 id="lesion-heading">{t('lesionHeading')}</h3>
      <p className="explain">
        {t.rich('lesionExplain', {
          strong: (chunks) => <strong>{chunks}</strong>,
          sup: (chunks) => <sup>{chunks}</sup>,
          images: images === undefined ? t('someImages') : f.number(images),
          reshaping: reshaping.length ? reshaping.join(', ') : 'none',
        })}
      </p>
      {nets.length ? <LesionNumbers nets={nets} /> : null}
      <div className="chart-grid">
        <figure className="chart-grid__wide">
          <figcaption>{t('blocksCaption')}</figcaption>
          <EChart option={blocks} label={t('blocksLabel')} height={340} testId="lesion-blocks-chart" />
        </figure>
        <figure>
          <figcaption>{t('kCaption')}</figcaption>
          <EChart option={ks} label={t('kLabel')} height={300} testId="lesion-k-chart" />
        </figure>
        <figure>
          <figcaption>
            {t('reorderCaption')}
            {nets.every((n) => n.result.reorder.length === 0) ? (
              <span className="muted small"> {t('reorderNone')}</span>
            ) : null}
          </figcaption>
          <EChart option={reorder} label={t('reorderLabel')} height={300} testId="lesion-reorder-chart" />
        </figure>
      </div>
      {withPaths.length ? (
        <>
          <h4>{t('pathsHeading')}</h4>
          <p className="explain">
            {t('pathsExplain')}{' '}
            {withPaths.map((n) => (
              <span key={n.label} data-testid="effective-range" data-from={n.result.effectiveRange.from}>
                {t('effectiveRange', {
                  net: n.label,
                  from: n.result.effectiveRange.from,
                  to: n.result.effectiveRange.to,
                  blocks: n.result.blocks,
                  mass: percent(f, n.result.effectiveRange.mass, 0),
                })}{' '}
              </span>
            ))}
          </p>
          <div className="chart-grid">
            <figure>
              <figcaption>{t('pathsCountCaption')}</figcaption>
              <EChart option={count} label={t('pathsCountLabel')} height={260} testId="paths-count-chart" />
            </figure>
            <figure>
              <figcaption>{t('pathsGradCaption')}</figcaption>
              <EChart option={grad} label={t('pathsGradLabel')} height={260} testId="paths-grad-chart" />
            </figure>
            <figure className="chart-grid__wide">
              <figcaption>{t('pathsShareCaption')}</figcaption>
              <EChart option={share} label={t('pathsShareLabel')} height={260} testId="paths-share-chart" />
            </figure>
          </div>
        </>
      ) : null}
    </section>
  );
}

/** The numbers the figures are about, one row per net. */
function LesionNumbers({ nets }: { nets: Net<LesionResult>[] }) {
  const f = useFormatter();
  const t = useTranslations('analyses');
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label={t('lesionTableLabel')} data-testid="lesion-table">
        <thead>
          <tr>
            <th scope="col">{t('colNet')}</th>
            <th scope="col" className="num">
              {t('colIntact')}
            </th>
            <th scope="col" className="num">
              {t('colOneDeleted')}
            </th>
            <th scope="col" className="num">
              {t('colWorst')}
            </th>
          </tr>
        </thead>
        <tbody>
          {nets.map((n) => {
            const errors = n.result.blocks.map((b) => b.error);
            const worst = n.result.blocks.reduce<(typeof n.result.blocks)[number] | null>(
              (w, b) => (w === null || b.error > w.error ? b : w),
              null,
            );
            return (
              <tr key={n.label} data-testid="lesion-row" data-arch={n.arch}>
                <th scope="row" className="mono">
                  {n.label}
                </th>
                <td className="num mono">{n.result.baseline ? percent(f, n.result.baseline.error, 1) : '—'}</td>
                <td className="num mono">
                  {errors.length ? percent(f, errors.reduce((a, b) => a + b, 0) / errors.length, 1) : '—'}
                </td>
                <td className="num mono">{worst ? `${worst.block}: ${percent(f, worst.error, 1)}` : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
