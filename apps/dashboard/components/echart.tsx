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
 * An option with its axes named in the page's language: lib/chart-options.ts builds the option (and names its axes
 * in English for the tests and the CLI's figures); the component that draws it names them from the catalogue.
 */
export function withAxisNames(option: EChartsCoreOption, names: { x?: string; y?: string }): EChartsCoreOption {
  const rename = (axis: unknown, name: string | undefined) =>
    name === undefined || axis === undefined || Array.isArray(axis) ? axis : { ...(axis as object), name };
  return { ...option, xAxis: rename(option.xAxis, names.x), yAxis: rename(option.yAxis, names.y) };
}

/** An option with its series (and so its legend and tooltips) renamed, e.g. into the page's language. */
export function withSeriesNames(option: EChartsCoreOption, rename: (name: string) => string): EChartsCoreOption {
  const series = option.series;
  if (!Array.isArray(series)) return option;
  return {
    ...option,
    series: series.map((s: { name?: unknown }) => (typeof s.name === 'string' ? { ...s, name: rename(s.name) } : s)),
  };
}

/**
 * One ECharts instance on a canvas. The option is replaced whole on each change
 * (`notMerge`), so removed series disappear; `data-series` mirrors what is drawn.
 */
export function EChart({
  option,
  label,
  height = 320,
  testId,
  onClick,
}: {
  option: EChartsCoreOption;
  /** Accessible name of the figure. */
  label: string;
  height?: number;
  testId?: string;
  /** A click on a data item: its series and data index, and the value drawn there. */
  onClick?: (item: { seriesIndex: number; dataIndex: number; value: unknown }) => void;
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

  const clicked = useRef(onClick);
  clicked.current = onClick;
  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    const handler = (p: { seriesIndex?: number; dataIndex?: number; value?: unknown }) =>
      clicked.current?.({ seriesIndex: p.seriesIndex ?? 0, dataIndex: p.dataIndex ?? 0, value: p.value });
    instance.on('click', handler);
    return () => {
      instance.off('click', handler);
    };
  }, []);

  // ECharts' aria writes its own English description over the div's aria-label unless given one: `label`, in
  // the page's language, is the figure's accessible name.
  useEffect(() => {
    chart.current?.setOption(
      { aria: { enabled: true, label: { description: label } }, animation: false, ...option },
      { notMerge: true },
    );
  }, [option, label]);

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
