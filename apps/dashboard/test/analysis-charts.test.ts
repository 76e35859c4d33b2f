import { describe, expect, it } from 'vitest';
import {
  landscapeHeatmapOption,
  landscapeSurfaceOption,
  lesionBlocksOption,
  lesionKOption,
} from '../lib/analysis-charts.js';
import type { LandscapeGrid, LesionResult } from '../lib/analysis-results.js';
import { chartWords } from './chart-words.js';

const en = chartWords('en');

const block = (name: string, index: number, error: number, bypassError: number | null) => ({
  section: 'lesion.block' as const,
  block: name,
  index,
  reshapes: false,
  error,
  loss: 1,
  bypassError,
});
const lesion = (blocks: LesionResult['blocks'], error: number): LesionResult => ({
  baseline: { section: 'lesion.baseline', error, loss: 1, images: 100, blocks: blocks.length },
  blocks,
  ks: [],
  reorder: [],
  paths: null,
});

type Series = { name: string; data: (number | null)[]; markLine?: { data: { name: string; yAxis: number }[] } };

describe('analysis charts', () => {
  it('draws a bar series per net, the plain net’s bypass where it has one, the intact error and chance as lines', () => {
    const option = lesionBlocksOption(
      en,
      [
        {
          label: 'resnet-8',
          arch: 'resnet',
          result: lesion([block('a', 0, 0.1, null), block('b', 1, 0.12, null)], 0.08),
        },
        { label: 'plain-8', arch: 'plain', result: lesion([block('a', 0, 0.9, 0.3), block('b', 1, 0.9, null)], 0.1) },
      ],
      10,
    ) as { series: Series[] };
    expect(option.series.map((s) => s.name)).toEqual([
      'resnet-8: block deleted',
      'plain-8: block deleted',
      'plain-8: block bypassed (y = x)',
    ]);
    expect(option.series[0]?.data).toEqual([10, 12]);
    expect(option.series[2]?.data).toEqual([30, null]);
    expect(option.series[0]?.markLine?.data.map((l) => [l.name, l.yAxis])).toEqual([
      ['resnet-8 intact', 8],
      ['chance (1 − 1/10)', 90],
    ]);
    expect(option.series[1]?.markLine?.data.map((l) => l.name)).toEqual(['plain-8 intact']);
  });

  it('names the lesion study’s lines and bands in the page’s language', () => {
    const nets = [{ label: 'resnet-8', arch: 'resnet', result: lesion([block('a', 0, 0.1, null)], 0.08) }];
    const ko = chartWords('ko');
    const blocks = lesionBlocksOption(ko, nets, 10) as { series: Series[] };
    expect(blocks.series[0]?.name).toBe('resnet-8: 블록 삭제');
    expect(blocks.series[0]?.markLine?.data.map((l) => l.name)).toEqual(['resnet-8 온전한 망', '우연 수준 (1 − 1/10)']);
    const ks = lesionKOption(ko, nets) as { legend: { data: string[] } };
    expect(ks.legend.data).toEqual(['resnet-8 평균', 'resnet-8 ± 표준편차']);
  });

  it('colours a landscape by the range it is given, and leaves missing points empty', () => {
    const grid: LandscapeGrid = {
      setup: null,
      dims: 2,
      resolution: 3,
      alphas: [-1, 0, 1],
      betas: [-1, 0, 1],
      loss: [
        [2, 1, 2],
        [1, 0.5, 1],
        [2, 1, null],
      ],
      accuracy: [],
      points: 8,
      min: 0.5,
      max: 2,
    };
    const range = { min: 0.2, max: 3 };
    const heat = landscapeHeatmapOption(en, grid, range) as {
      visualMap: { min: number; max: number };
      series: { data: unknown[] }[];
    };
    expect([heat.visualMap.min, heat.visualMap.max]).toEqual([0.2, 3]);
    expect(heat.series[0]?.data).toContainEqual([2, 2, '-']);
    expect(heat.series[0]?.data).toHaveLength(9);
    const surface = landscapeSurfaceOption(en, grid, range) as { zAxis3D: { min: number; max: number } };
    expect([surface.zAxis3D.min, surface.zAxis3D.max]).toEqual([0.2, 3]);
  });
});
