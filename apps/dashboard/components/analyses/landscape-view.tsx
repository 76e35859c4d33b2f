'use client';

import { useMemo, useState } from 'react';
import { SurfaceChart } from '@/components/analyses/surface-chart';
import { EChart } from '@/components/echart';
import { landscapeHeatmapOption, landscapeLineOption, landscapeSurfaceOption, type Net } from '@/lib/analysis-charts';
import { type LandscapeGrid, sharedRange } from '@/lib/analysis-results';

/** Which line through the grid the slice shows: along α at β index `index`, or along β at α index `index`. */
interface Slice {
  along: 'alpha' | 'beta';
  index: number;
}

/**
 * The loss landscape (Li et al. 2018) of the run and, when it has one on the same grid, its twin: maps and
 * surfaces side by side on one colour scale, and the line through whichever row or column was clicked.
 */
export function LandscapeView({ nets, twinNote }: { nets: Net<LandscapeGrid>[]; twinNote: string | null }) {
  const range = useMemo(() => sharedRange(nets.map((n) => n.result)) ?? { min: 0, max: 1 }, [nets]);
  const first = nets[0]?.result;
  const centre = first ? Math.floor(first.resolution / 2) : 0;
  const [slice, setSlice] = useState<Slice>({ along: 'alpha', index: centre });
  const setup = first?.setup;
  const sliceCaption =
    first && first.dims === 2
      ? slice.along === 'alpha'
        ? `α (direction 1), at β = ${(first.betas[slice.index] ?? 0).toFixed(2)}`
        : `β (direction 2), at α = ${(first.alphas[slice.index] ?? 0).toFixed(2)}`
      : 'α (filter-normalised direction)';
  const line = useMemo(
    () =>
      landscapeLineOption(
        nets,
        first?.dims === 2 ? slice.along : 'alpha',
        first?.dims === 2 ? slice.index : 0,
        sliceCaption,
      ),
    [nets, slice, first?.dims, sliceCaption],
  );

  return (
    <section aria-labelledby="landscape-heading" data-testid="landscape-view" data-nets={nets.length}>
      <h3 id="landscape-heading">Loss landscape</h3>
      <p className="explain">
        <strong>The claim</strong> (Li et al. 2018; docs/course.md §2): skip connections keep the loss surface smooth.
        Without them, deep nets' surfaces turn chaotic and far from convex, while their residual twins' stay smooth and
        nearly convex (Li et al. Fig. 5). <strong>What was measured</strong>: the loss L(θ + αδ + βη) on a grid around
        the trained weights θ, at the centre (0, 0), along random directions δ and η drawn with a fixed seed, so two
        nets of the same shape get the same directions. Each filter of a direction is scaled to the norm of the same
        filter of θ (filter normalisation, Li et al. §4), so nets whose weights differ in scale are compared fairly;
        biases and BatchNorm parameters are not perturbed, and BatchNorm uses the checkpoint's running statistics (eval
        mode).
        {setup ? ` Here: ${setup.images} images, loss at the trained weights ${setup.centerLoss.toFixed(4)} nats.` : ''}{' '}
        Both nets are drawn on one colour scale (their joint minimum and maximum), so the same colour is the same loss.
        Click a cell of a map for the line through it. This shows what these runs measured; whether it matches the paper
        is for the picture to say.
      </p>
      {twinNote ? <p className="muted">{twinNote}</p> : null}
      {first?.dims === 2 ? (
        <>
          <div className="chart-grid">
            {nets.map((net) => (
              <LandscapeMap
                key={net.label}
                net={net}
                range={range}
                onPick={(i, j) =>
                  setSlice((s) => (s.along === 'alpha' ? { along: 'alpha', index: j } : { along: 'beta', index: i }))
                }
              />
            ))}
          </div>
          <div className="controls">
            <span>Line through the grid:</span>
            <label>
              <input
                type="radio"
                name="slice-along"
                checked={slice.along === 'alpha'}
                onChange={() => setSlice({ along: 'alpha', index: centre })}
              />{' '}
              along α (a row)
            </label>
            <label>
              <input
                type="radio"
                name="slice-along"
                checked={slice.along === 'beta'}
                onChange={() => setSlice({ along: 'beta', index: centre })}
              />{' '}
              along β (a column)
            </label>
          </div>
        </>
      ) : null}
      <figure data-testid="landscape-slice" data-along={slice.along} data-index={slice.index}>
        <figcaption>
          {first?.dims === 2 ? 'The line through the picked row or column' : 'Loss along the direction'}
        </figcaption>
        <EChart option={line} label={`Loss along ${sliceCaption}`} height={280} testId="landscape-line-chart" />
      </figure>
      {first?.dims === 2 ? (
        <div className="chart-grid">
          {nets.map((net) => (
            <Surface key={net.label} net={net} range={range} />
          ))}
        </div>
      ) : null}
    </section>
  );
}

function LandscapeMap({
  net,
  range,
  onPick,
}: {
  net: Net<LandscapeGrid>;
  range: { min: number; max: number };
  onPick: (i: number, j: number) => void;
}) {
  const option = useMemo(() => landscapeHeatmapOption(net.result, range), [net.result, range]);
  const g = net.result;
  return (
    <figure
      data-testid="landscape-grid"
      data-arch={net.arch}
      data-resolution={g.resolution}
      data-points={g.points}
      data-scale-min={range.min}
      data-scale-max={range.max}
    >
      <figcaption>
        {net.label}: {g.points} of {g.resolution}×{g.resolution} points
      </figcaption>
      <EChart
        option={option}
        label={`Loss landscape of ${net.label}, α against β, colour is the loss in nats`}
        height={340}
        testId="landscape-heatmap"
        onClick={({ value }) => {
          const [i, j] = value as [number, number];
          onPick(i, j);
        }}
      />
    </figure>
  );
}

function Surface({ net, range }: { net: Net<LandscapeGrid>; range: { min: number; max: number } }) {
  const option = useMemo(() => landscapeSurfaceOption(net.result, range), [net.result, range]);
  return (
    <figure>
      <figcaption>{net.label}: surface (x: α, y: β, from −span to span; height and colour: loss in nats)</figcaption>
      <SurfaceChart option={option} label={`Loss surface of ${net.label}, z is the loss in nats`} />
    </figure>
  );
}
