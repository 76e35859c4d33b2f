/**
 * echarts-gl ships no types: the two entry points the landscape's 3D surface loads (components/analyses/surface-chart.tsx),
 * each an ECharts extension to pass to `use`.
 */
declare module 'echarts-gl/charts' {
  import type { use } from 'echarts/core';

  type Extension = Extract<Parameters<typeof use>[0], readonly unknown[]>[number];
  export const SurfaceChart: Extension;
}

declare module 'echarts-gl/components' {
  import type { use } from 'echarts/core';

  type Extension = Extract<Parameters<typeof use>[0], readonly unknown[]>[number];
  export const Grid3DComponent: Extension;
}
