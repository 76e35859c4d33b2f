'use client';

import { TooltipComponent, VisualMapComponent } from 'echarts/components';
import type { EChartsCoreOption, EChartsType } from 'echarts/core';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useTranslations } from 'next-intl';
import { useEffect, useRef, useState } from 'react';

/** Whether this browser gives a page WebGL, which echarts-gl's surface needs (headless Chromium may not). */
function hasWebGl(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return Boolean(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

type State = 'loading' | 'drawn' | 'no-webgl' | 'failed';

/**
 * The landscape as a 3D surface (echarts-gl), or, without WebGL, a sentence saying so: the heatmap beside it
 * carries the same numbers. echarts-gl is loaded in the browser only (it reaches for `window` when imported).
 */
export function SurfaceChart({
  option,
  label,
  height = 360,
}: {
  option: EChartsCoreOption;
  label: string;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const t = useTranslations('analyses');
  const [state, setState] = useState<State>('loading');

  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    if (!hasWebGl()) {
      setState('no-webgl');
      return;
    }
    let disposed = false;
    Promise.all([import('echarts-gl/charts'), import('echarts-gl/components')])
      .then(([charts, components]) => {
        if (disposed) return;
        use([charts.SurfaceChart, components.Grid3DComponent, VisualMapComponent, TooltipComponent, CanvasRenderer]);
        chart.current = init(element);
        setState('drawn');
      })
      .catch(() => setState('failed'));
    // The grid around it may settle after the chart is made: draw again at the size it ends at.
    const observer = new ResizeObserver(() => chart.current?.resize());
    observer.observe(element);
    return () => {
      disposed = true;
      observer.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    if (state !== 'drawn') return;
    try {
      chart.current?.setOption({ animation: false, ...option }, { notMerge: true });
    } catch {
      setState('failed');
    }
  }, [option, state]);

  return (
    <div data-testid="landscape-surface" data-state={state}>
      {state === 'no-webgl' || state === 'failed' ? (
        <p className="panel empty" style={{ height }}>
          {state === 'no-webgl' ? t('noWebgl') : t('surfaceFailed')}
        </p>
      ) : null}
      <div
        ref={ref}
        role="img"
        aria-label={label}
        className="chart"
        style={{ height, display: state === 'no-webgl' || state === 'failed' ? 'none' : undefined }}
      />
    </div>
  );
}
