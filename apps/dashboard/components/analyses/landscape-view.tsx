'use client';

import { useFormatter, useTranslations } from 'next-intl';
import { useMemo, useState } from 'react';
import { SurfaceChart } from '@/components/analyses/surface-chart';
import { EChart, withAxisNames } from '@/components/echart';
import { landscapeHeatmapOption, landscapeLineOption, landscapeSurfaceOption, type Net } from '@/lib/analysis-charts';
import { type LandscapeGrid, sharedRange } from '@/lib/analysis-results';
import { fixed } from '@/lib/format';

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
  const t = useTranslations('analyses');
  const f = useFormatter();
  const range = useMemo(() => sharedRange(nets.map((n) => n.result)) ?? { min: 0, max: 1 }, [nets]);
  const first = nets[0]?.result;
  const centre = first ? Math.floor(first.resolution / 2) : 0;
  const [slice, setSlice] = useState<Slice>({ along: 'alpha', index: centre });
  const setup = first?.setup;
  const sliceCaption =
    first && first.dims === 2
      ? slice.along === 'alpha'
        ? t('sliceAlpha2d', { beta: fixed(f, first.betas[slice.index] ?? 0, 2) })
        : t('sliceBeta2d', { alpha: fixed(f, first.alphas[slice.index] ?? 0, 2) })
      : t('slice1d');
  const lossAxis = t('axisLossNats');
  const line = useMemo(
    () =>
      withAxisNames(
        landscapeLineOption(
          nets,
          first?.dims === 2 ? slice.along : 'alpha',
          first?.dims === 2 ? slice.index : 0,
          sliceCaption,
        ),
        { y: lossAxis },
      ),
    [nets, slice, first?.dims, sliceCaption, lossAxis],
  );

  return (
    <section aria-labelledby="landscape-heading" data-testid="landscape-view" data-nets={nets.length}>
      <h3 id="landscape-heading">{t('landscapeHeading')}</h3>
      <p className="explain">
        {t.rich('landscapeExplain', {
          strong: (chunks) => <strong>{chunks}</strong>,
          setup: setup ? 'yes' : 'no',
          images: setup?.images ?? 0,
          loss: setup ? fixed(f, setup.centerLoss, 4) : '',
        })}
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
            <span>{t('lineThrough')}</span>
            <label>
              <input
                type="radio"
                name="slice-along"
                checked={slice.along === 'alpha'}
                onChange={() => setSlice({ along: 'alpha', index: centre })}
              />{' '}
              {t('alongAlpha')}
            </label>
            <label>
              <input
                type="radio"
                name="slice-along"
                checked={slice.along === 'beta'}
                onChange={() => setSlice({ along: 'beta', index: centre })}
              />{' '}
              {t('alongBeta')}
            </label>
          </div>
        </>
      ) : null}
      <figure data-testid="landscape-slice" data-along={slice.along} data-index={slice.index}>
        <figcaption>{first?.dims === 2 ? t('slicePicked') : t('sliceDirection')}</figcaption>
        <EChart
          option={line}
          label={t('lineLabel', { slice: sliceCaption })}
          height={280}
          testId="landscape-line-chart"
        />
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
  const t = useTranslations('analyses');
  const tChart = useTranslations('charts');
  const [x, y] = [t('axisAlpha'), t('axisBeta')];
  const option = useMemo(
    () => withAxisNames(landscapeHeatmapOption(tChart, net.result, range), { x, y }),
    [tChart, net.result, range, x, y],
  );
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
      <figcaption>{t('mapCaption', { net: net.label, points: g.points, resolution: g.resolution })}</figcaption>
      <EChart
        option={option}
        label={t('mapLabel', { net: net.label })}
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
  const t = useTranslations('analyses');
  const tChart = useTranslations('charts');
  const option = useMemo(() => landscapeSurfaceOption(tChart, net.result, range), [tChart, net.result, range]);
  return (
    <figure>
      <figcaption>{t('surfaceCaption', { net: net.label })}</figcaption>
      <SurfaceChart option={option} label={t('surfaceLabel', { net: net.label })} />
    </figure>
  );
}
