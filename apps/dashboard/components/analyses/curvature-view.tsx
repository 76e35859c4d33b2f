'use client';

import { useMemo } from 'react';
import { EChart } from '@/components/echart';
import { curvatureOption, type Net } from '@/lib/analysis-charts';
import type { curvatureResult } from '@/lib/analysis-results';

type Estimate = NonNullable<ReturnType<typeof curvatureResult>>;

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

/** The Hessian's top eigenvalue and trace of the run and its twin, their 95% intervals, and each batch's estimate. */
export function CurvatureView({ nets }: { nets: Net<Estimate>[] }) {
  const top = useMemo(() => curvatureOption(nets, 'topEigenvalue'), [nets]);
  const trace = useMemo(() => curvatureOption(nets, 'trace'), [nets]);
  return (
    <section aria-labelledby="curvature-heading" data-testid="curvature-view" data-nets={nets.length}>
      <h3 id="curvature-heading">Curvature at the trained weights</h3>
      <p className="explain">
        <strong>The claim</strong> (Li et al. 2018; docs/course.md §2): the smoother surface of a residual net goes with
        a flatter minimum, so its Hessian should have a smaller top eigenvalue and trace than its plain twin's.{' '}
        <strong>What was measured</strong>: the Hessian of the mean cross-entropy over the checkpoint's weights, in nats
        per unit weight². Its largest eigenvalue λ<sub>max</sub> by power iteration on Hessian-vector products (no
        Hessian is ever formed), and its trace, the sum of all eigenvalues, by Hutchinson's estimator E[vᵀHv] with
        random ±1 vectors v. The images are cut into batches, each batch gives one estimate (the points), and the
        intervals are 95% over batches (and probes, for the trace). BatchNorm uses the checkpoint's running statistics.
      </p>
      <div className="table-wrap">
        <table className="data-table" aria-label="Curvature estimates" data-testid="curvature-table">
          <thead>
            <tr>
              <th scope="col">Net</th>
              <th scope="col" className="num">
                λ<sub>max</sub>
              </th>
              <th scope="col" className="num">
                95% interval
              </th>
              <th scope="col" className="num">
                Trace
              </th>
              <th scope="col" className="num">
                95% interval
              </th>
              <th scope="col" className="num">
                Images · batches · probes
              </th>
              <th scope="col">Power iteration</th>
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
                  <td className="small">
                    converged in {converged} of {r.batches.length} batches
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="chart-grid">
        <figure>
          <figcaption>Top eigenvalue per batch</figcaption>
          <EChart
            option={top}
            label="Top Hessian eigenvalue per batch, the mean and its 95% interval"
            height={280}
            testId="curvature-eigen-chart"
          />
        </figure>
        <figure>
          <figcaption>Trace per batch</figcaption>
          <EChart
            option={trace}
            label="Hutchinson trace estimate per batch, the mean and its 95% interval"
            height={280}
            testId="curvature-trace-chart"
          />
        </figure>
      </div>
    </section>
  );
}
