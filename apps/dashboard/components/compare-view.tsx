'use client';

import type { Split } from '@reslab/contracts';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { useReadOnly } from '@/components/api-url';
import { EChart } from '@/components/echart';
import { METRICS, type MetricKey, metricValue, overlayOption } from '@/lib/chart-options';
import { type CompareRun, configDiff } from '@/lib/compare';

/** The picked runs overlaid, and how their configs differ; on a share page the run names link nowhere. */
export function CompareView({ runs }: { runs: CompareRun[] }) {
  const readOnly = useReadOnly();
  const [metric, setMetric] = useState<MetricKey>('error');
  const [split, setSplit] = useState<Split>('train');
  const axis = METRICS.find((m) => m.key === metric)?.axis ?? metric;

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
    return overlayOption(curves, axis, 'run');
  }, [runs, metric, split, axis]);
  const diff = useMemo(() => configDiff(runs.map((r) => r.config)), [runs]);

  return (
    <>
      <div className="controls">
        <label>
          Metric{' '}
          <select value={metric} onChange={(e) => setMetric(e.target.value as MetricKey)} data-testid="compare-metric">
            {METRICS.map((m) => (
              <option key={m.key} value={m.key}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Split{' '}
          <select value={split} onChange={(e) => setSplit(e.target.value as Split)} data-testid="compare-split">
            <option value="train">train</option>
            <option value="val">val</option>
            <option value="test">test (final epoch only)</option>
          </select>
        </label>
      </div>
      <EChart option={option} label={`${axis} per epoch of ${runs.length} runs`} height={420} testId="compare-chart" />
      <h2 id="diff-heading">Config differences</h2>
      {runs.length < 2 ? (
        <p className="muted">Pick a second run to see how the configs differ.</p>
      ) : diff.length === 0 ? (
        <p className="panel empty" data-testid="config-diff-empty">
          These runs have identical configs (only the seed or chance separates their curves).
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-labelledby="diff-heading" data-testid="config-diff">
            <thead>
              <tr>
                <th scope="col">Field</th>
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
