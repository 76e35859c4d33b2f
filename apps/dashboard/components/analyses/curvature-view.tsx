'use client';

import { useFormatter, useTranslations } from 'next-intl';
import { useMemo } from 'react';
import { EChart, withAxisNames } from '@/components/echart';
import { curvatureOption, type Net } from '@/lib/analysis-charts';
import type { curvatureResult } from '@/lib/analysis-results';

type Estimate = NonNullable<ReturnType<typeof curvatureResult>>;

/** The Hessian's top eigenvalue and trace of the run and its twin, their 95% intervals, and each batch's estimate. */
export function CurvatureView({ nets }: { nets: Net<Estimate>[] }) {
  const t = useTranslations('analyses');
  const tChart = useTranslations('charts');
  const f = useFormatter();
  const num = (v: number) => (Number.isFinite(v) ? f.number(v, { maximumSignificantDigits: 4 }) : String(v));
  const x = t('axisBatch');
  const [yTop, yTrace] = [t('axisCurvature', { what: 'topEigenvalue' }), t('axisCurvature', { what: 'trace' })];
  const top = useMemo(
    () => withAxisNames(curvatureOption(tChart, nets, 'topEigenvalue'), { x, y: yTop }),
    [tChart, nets, x, yTop],
  );
  const trace = useMemo(
    () => withAxisNames(curvatureOption(tChart, nets, 'trace'), { x, y: yTrace }),
    [tChart, nets, x, yTrace],
  );
  return (
    <section aria-labelledby="curvature-heading" data-testid="curvature-view" data-nets={nets.length}>
      <h3 id="curvature-heading">{t('curvatureHeading')}</h3>
      <p className="explain">
        {t.rich('curvatureExplain', {
          strong: (chunks) => <strong>{chunks}</strong>,
          sub: (chunks) => <sub>{chunks}</sub>,
        })}
      </p>
      <div className="table-wrap">
        <table className="data-table" aria-label={t('curvatureTableLabel')} data-testid="curvature-table">
          <thead>
            <tr>
              <th scope="col">{t('colNet')}</th>
              <th scope="col" className="num">
                {t.rich('lambdaMax', { sub: (chunks) => <sub>{chunks}</sub> })}
              </th>
              <th scope="col" className="num">
                {t('colInterval')}
              </th>
              <th scope="col" className="num">
                {t('colTrace')}
              </th>
              <th scope="col" className="num">
                {t('colInterval')}
              </th>
              <th scope="col" className="num">
                {t('colImagesBatchesProbes')}
              </th>
              <th scope="col">{t('colPowerIteration')}</th>
            </tr>
          </thead>
          <tbody>
            {nets.map(({ label, arch, result: r }) => {
              const converged = r.batches.filter((b) => b.converged).length;
              return (
                <tr key={label} data-testid="curvature-row" data-arch={arch}>
                  <th scope="row" className="mono">
                    {label}
                  </th>
                  <td className="num mono" data-testid="curvature-top-eigenvalue" data-value={r.topEigenvalue}>
                    {num(r.topEigenvalue)}
                  </td>
                  <td className="num mono">
                    [{num(r.topEigenvalueCi[0])}, {num(r.topEigenvalueCi[1])}]
                  </td>
                  <td className="num mono" data-testid="curvature-trace" data-value={r.trace}>
                    {num(r.trace)}
                  </td>
                  <td className="num mono">
                    [{num(r.traceCi[0])}, {num(r.traceCi[1])}]
                  </td>
                  <td className="num mono">
                    {r.images} · {r.batches.length} · {r.probes}
                  </td>
                  <td className="small">{t('converged', { converged, batches: r.batches.length })}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="chart-grid">
        <figure>
          <figcaption>{t('topCaption')}</figcaption>
          <EChart option={top} label={t('topLabel')} height={280} testId="curvature-eigen-chart" />
        </figure>
        <figure>
          <figcaption>{t('traceCaption')}</figcaption>
          <EChart option={trace} label={t('traceLabel')} height={280} testId="curvature-trace-chart" />
        </figure>
      </div>
    </section>
  );
}
