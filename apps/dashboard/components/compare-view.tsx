'use client';

import type { Split } from '@reslab/contracts';
import Link from 'next/link';
import { useTranslations } from 'next-intl';
import { useMemo, useState } from 'react';
import { useReadOnly } from '@/components/api-url';
import { EChart, withAxisNames } from '@/components/echart';
import { METRICS, type MetricKey, metricValue, overlayOption } from '@/lib/chart-options';
import { type CompareRun, configDiff } from '@/lib/compare';

/** The picked runs overlaid, and how their configs differ; on a share page the run names link nowhere. */
export function CompareView({ runs }: { runs: CompareRun[] }) {
  const readOnly = useReadOnly();
  const t = useTranslations('compare');
  const tc = useTranslations('common');
  const [metric, setMetric] = useState<MetricKey>('error');
  const [split, setSplit] = useState<Split>('train');
  const axis = t('metricAxis', { metric });
  const xName = t('axisEpoch');

  const option = useMemo(() => {
    const curves = runs.map((run) => ({
      id: run.id,
      label: run.label,
      arch: run.arch,
      depth: run.depth,
      points: (run.splits[split] ?? []).map((row): [number, number] => {
        const [epoch, loss, accuracy, precision, recall, f1] = row;
        const value = metricValue({ loss, accuracy, precision, recall, f1 }, metric);
        return [epoch, Math.round(value * 1e4) / 1e4];
      }),
    }));
    return withAxisNames(overlayOption(curves, axis, 'run'), { x: xName });
  }, [runs, metric, split, axis, xName]);
  const diff = useMemo(() => configDiff(runs.map((r) => r.config)), [runs]);

  return (
    <>
      <div className="controls">
        <label>
          {t('metric')}{' '}
          <select value={metric} onChange={(e) => setMetric(e.target.value as MetricKey)} data-testid="compare-metric">
            {METRICS.map((m) => (
              <option key={m.key} value={m.key}>
                {t('metricName', { metric: m.key })}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('split')}{' '}
          <select value={split} onChange={(e) => setSplit(e.target.value as Split)} data-testid="compare-split">
            <option value="train">{tc('split', { split: 'train' })}</option>
            <option value="val">{tc('split', { split: 'val' })}</option>
            <option value="test">{t('testFinalOnly')}</option>
          </select>
        </label>
      </div>
      <EChart option={option} label={t('chartLabel', { axis, n: runs.length })} height={420} testId="compare-chart" />
      <h2 id="diff-heading">{t('diffHeading')}</h2>
      {runs.length < 2 ? (
        <p className="muted">{t('pickSecond')}</p>
      ) : diff.length === 0 ? (
        <p className="panel empty" data-testid="config-diff-empty">
          {t('identical')}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-labelledby="diff-heading" data-testid="config-diff">
            <thead>
              <tr>
                <th scope="col">{t('colField')}</th>
                {runs.map((r) => (
                  <th key={r.id} scope="col">
                    {readOnly ? (
                      r.label
                    ) : (
                      <Link href={`/runs/${r.id}`} prefetch={false}>
                        {r.label}
                      </Link>
                    )}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {diff.map((d) => (
                <tr key={d.path} data-testid="config-diff-row" data-path={d.path}>
                  <th scope="row" className="mono">
                    {d.path}
                  </th>
                  {d.values.map((v, i) => (
                    <td key={runs[i]?.id ?? i} className="mono">
                      {v}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
