'use client';

import { BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { type EChartsCoreOption, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { seriesSummary } from '@/lib/curve-series';

use([
  LineChart,
  ScatterChart,
  HeatmapChart,
  CustomChart,
  BarChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  TitleComponent,
  DataZoomComponent,
  AriaComponent,
  CanvasRenderer,
]);

/**
 * One ECharts instance on a canvas. The option is replaced whole on each change
 * (`notMerge`), so removed series disappear; `data-series` mirrors what is drawn.
 */
export function EChart({
  option,
  label,
  height = 320,
  testId,
}: {
  option: EChartsCoreOption;
  /** Accessible name of the figure. */
  label: string;
  height?: number;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const instance = init(element, undefined, { renderer: 'canvas' });
    chart.current = instance;
    // ResizeObserver reports the first size as well: a resize to the size drawn would draw it all again.
    let size = { width: element.clientWidth, height: element.clientHeight };
    const observer = new ResizeObserver(() => {
      if (element.clientWidth === size.width && element.clientHeight === size.height) return;
      size = { width: element.clientWidth, height: element.clientHeight };
      instance.resize();
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption({ aria: { enabled: true }, animation: false, ...option }, { notMerge: true });
  }, [option]);

  const summary = seriesSummary(option);
  return (
    <div
      ref={ref}
      role="img"
      aria-label={label}
      className="chart"
      style={{ height }}
      data-testid={testId}
      data-series={JSON.stringify(summary)}
      data-points={summary.reduce((n, s) => n + s.points, 0)}
    />
  );
}
