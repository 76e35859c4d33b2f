'use client';

import { useFormatter } from 'next-intl';
import { useMemo } from 'react';
import { EChart } from '@/components/echart';
import { lesionBlocksOption, lesionKOption, lesionReorderOption, type Net, pathsOption } from '@/lib/analysis-charts';
import type { LesionResult } from '@/lib/analysis-results';
import { percent } from '@/lib/format';

/**
 * The lesion study and the unraveled view (Veit et al. 2016) of the run and, when it has one, its twin: the
 * residual net beside the plain one is the point of every figure here.
 */
export function LesionView({ nets, classes }: { nets: Net<LesionResult>[]; classes: number | null }) {
  const f = useFormatter();
  const blocks = useMemo(() => lesionBlocksOption(nets, classes), [nets, classes]);
  const ks = useMemo(() => lesionKOption(nets), [nets]);
  const reorder = useMemo(() => lesionReorderOption(nets), [nets]);
  const withPaths = nets.flatMap((n) => (n.result.paths ? [{ ...n, result: n.result.paths }] : []));
  const count = useMemo(() => pathsOption(withPaths, 'paths'), [withPaths]);
  const grad = useMemo(() => pathsOption(withPaths, 'gradNorm'), [withPaths]);
  const share = useMemo(() => pathsOption(withPaths, 'share'), [withPaths]);
  const reshaping = nets[0]?.result.blocks.filter((b) => b.reshapes).map((b) => b.block) ?? [];
  const images = nets[0]?.result.baseline?.images;

  return (
    <section aria-labelledby="lesion-heading" data-testid="lesion-view" data-nets={nets.length}>
      <h3 id="lesion-heading">Lesion study and the unraveled view</h3>
      <p className="explain">
        <strong>The claim</strong> (Veit et al. 2016; docs/course.md §3): a residual block computes x + F(x), so a net
        of n blocks unrolls into 2<sup>n</sup> paths from input to output, one for each subset of branches it passes
        through, and it behaves like an ensemble of those paths, most of them short. Deleting one block at test time
        then removes only the paths through its branch and the error should rise a little; a plain net has one path, and
        deleting a block cuts it. <strong>What was measured</strong>: the checkpoint's error on the first{' '}
        {images ?? 'N'} images of the split, with nothing retrained: with each block deleted in turn; with k random
        blocks deleted (several draws per k, mean ± std); with blocks reordered by swapping pairs within a stage
        (Kendall's τ = 1 is the trained order). Deleting a residual block keeps its shortcut; where the block changes
        the feature map's shape (a stage's first block{reshaping.length ? `: ${reshaping.join(', ')}` : ''}) the
        shortcut's own downsampling is kept (option A subsamples and zero-pads, B keeps its 1×1 projection), as Veit et
        al. keep the downsampling path. Deleting a plain block zeroes its output; where shapes allow, the plain net is
        also shown with the block bypassed (y = x), Veit et al.'s VGG comparison.
      </p>
      {nets.length ? <LesionNumbers nets={nets} /> : null}
      <div className="chart-grid">
        <figure className="chart-grid__wide">
          <figcaption>Error with one block deleted</figcaption>
          <EChart
            option={blocks}
            label="Test error with each block deleted, the intact net's error and chance as lines"
            height={340}
            testId="lesion-blocks-chart"
          />
        </figure>
        <figure>
          <figcaption>Error against blocks deleted at random</figcaption>
          <EChart
            option={ks}
            label="Test error against k blocks deleted, mean ± std"
            height={300}
            testId="lesion-k-chart"
          />
        </figure>
        <figure>
          <figcaption>
            Error against reordering
            {nets.every((n) => n.result.reorder.length === 0) ? (
              <span className="muted small">
                {' '}
                (none here: a reordering swaps two blocks of one stage, and no stage has two)
              </span>
            ) : null}
          </figcaption>
          <EChart
            option={reorder}
            label="Test error against Kendall's tau of the reordered blocks"
            height={300}
            testId="lesion-reorder-chart"
          />
        </figure>
      </div>
      {withPaths.length ? (
        <>
          <h4>Paths by length</h4>
          <p className="explain">
            With n blocks, C(n, k) paths pass through exactly k branches (a binomial count). The gradient one such path
            carries is sampled as Veit et al. §4.2 do: k branches on for the backward pass, the rest skipped. Their
            product, normalised, says which lengths carry the gradient; the shaded range holds most of it (Veit et al.
            find 5–17 blocks of ResNet-110's 54).{' '}
            {withPaths.map((n) => (
              <span key={n.label} data-testid="effective-range" data-from={n.result.effectiveRange.from}>
                {n.label}: lengths {n.result.effectiveRange.from}–{n.result.effectiveRange.to} of {n.result.blocks} hold{' '}
                {percent(f, n.result.effectiveRange.mass, 0)}.{' '}
              </span>
            ))}
          </p>
          <div className="chart-grid">
            <figure>
              <figcaption>Paths of each length</figcaption>
              <EChart
                option={count}
                label="Number of paths of each length, log scale"
                height={260}
                testId="paths-count-chart"
              />
            </figure>
            <figure>
              <figcaption>Gradient per path</figcaption>
              <EChart
                option={grad}
                label="Gradient norm at the input per path, by path length, log scale"
                height={260}
                testId="paths-grad-chart"
              />
            </figure>
            <figure className="chart-grid__wide">
              <figcaption>Share of the total gradient</figcaption>
              <EChart
                option={share}
                label="Share of the total gradient by path length, the effective range shaded"
                height={260}
                testId="paths-share-chart"
              />
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
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label="Lesion study, key numbers" data-testid="lesion-table">
        <thead>
          <tr>
            <th scope="col">Net</th>
            <th scope="col" className="num">
              Intact error
            </th>
            <th scope="col" className="num">
              Mean error, one block deleted
            </th>
            <th scope="col" className="num">
              Worst block
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
