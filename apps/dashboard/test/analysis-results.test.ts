import type { AnalysisDetailDto, AnalysisPartData } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { analysisRequest, defaultParamText } from '../lib/analysis-params.js';
import {
  costStages,
  findTwin,
  gridSlice,
  landscapeGrid,
  lesionResult,
  sameParams,
  sharedRange,
  sweepAnalysisRows,
  twinCounterpart,
} from '../lib/analysis-results.js';

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

const analysis = (
  runId: string,
  kind: AnalysisDetailDto['kind'],
  data: AnalysisPartData[],
  params: Record<string, unknown> = {},
): AnalysisDetailDto => ({
  id: uuid(),
  runId,
  kind,
  params,
  chunks: 1,
  status: 'succeeded',
  jobs: [],
  createdAt: '2026-11-29T12:00:00.000Z',
  finishedAt: null,
  parts: data.map((d, i) => ({ part: `p${i}`, chunk: 0, data: d })),
});

const run = (arch: string, depth: number, seed = 0, width?: number) => ({
  id: uuid(),
  status: 'succeeded' as const,
  config: { seed, model: { arch: arch as 'plain', depth, width }, data: { dataset: 'synthetic' as const } },
});

describe('reading analysis parts', () => {
  it('puts landscape points on the grid, counts them, and keeps missing ones null', () => {
    const a = analysis(
      uuid(),
      'landscape',
      [
        {
          section: 'landscape.points',
          points: [
            { i: 0, j: 0, alpha: -1, beta: -1, loss: 3, accuracy: 0.1 },
            { i: 1, j: 1, alpha: 0, beta: 0, loss: 0.2, accuracy: 0.95 },
            { i: 2, j: 1, alpha: 1, beta: 0, loss: null, accuracy: 0.1 },
          ],
        },
      ],
      { dims: 2, resolution: 3, span: 1 },
    );
    const grid = landscapeGrid(a);
    expect(grid.points).toBe(3);
    expect(grid.loss).toEqual([
      [3, null, null],
      [null, 0.2, null],
      [null, null, null],
    ]);
    expect([grid.min, grid.max]).toEqual([0.2, 3]);
    expect(gridSlice(grid, 'alpha', 1)).toEqual([
      [-1, null],
      [0, 0.2],
      [1, null],
    ]);
    const other = { ...grid, min: 0.1, max: 2 };
    expect(sharedRange([grid, other])).toEqual({ min: 0.1, max: 3 });
  });

  it('orders lesion parts by block and k', () => {
    const r = lesionResult(
      analysis(uuid(), 'lesion', [
        { section: 'lesion.k', k: 2, errors: [0.3], mean: 0.3, std: 0 },
        { section: 'lesion.k', k: 1, errors: [0.2], mean: 0.2, std: 0 },
        {
          section: 'lesion.block',
          block: 'layer1.1',
          index: 1,
          reshapes: false,
          error: 0.2,
          loss: 1,
          bypassError: null,
        },
        {
          section: 'lesion.block',
          block: 'layer1.0',
          index: 0,
          reshapes: true,
          error: 0.4,
          loss: 1,
          bypassError: null,
        },
      ]),
    );
    expect(r.ks.map((k) => k.k)).toEqual([1, 2]);
    expect(r.blocks.map((b) => b.block)).toEqual(['layer1.0', 'layer1.1']);
  });

  it('groups a cost model into stages of blocks, with the stem and head apart', () => {
    const layer = (name: string, block: string | null, params: number) => ({
      name,
      kind: 'conv3x3',
      stage: block ? 'layer1' : null,
      block,
      inShape: [8, 8, 8],
      outShape: [8, 8, 8],
      params,
      macs: params * 64,
    });
    const { stages, loose } = costStages({
      section: 'cost.model',
      role: 'run',
      name: 'resnet8',
      block: 'basic',
      input: [1, 8, 8],
      layers: [layer('conv1', null, 72), layer('layer1.0.conv1', 'layer1.0', 576), layer('fc', null, 90)],
      blocks: [{ name: 'layer1.0', stage: 'layer1', inShape: [8, 8, 8], outShape: [8, 8, 8], params: 576, macs: 1 }],
      totalParams: 738,
      totalMacs: 10,
    });
    expect(stages.map((s) => [s.stage, s.blocks.map((b) => b.layers.length)])).toEqual([['layer1', [1]]]);
    expect(loose.map((l) => l.name)).toEqual(['conv1', 'fc']);
  });
});

describe('the twin', () => {
  it('is the other side of plain / residual at the same depth, width and seed', () => {
    const res = run('resnet', 20, 1);
    const candidates = [run('plain', 20, 0), run('plain', 32, 1), run('plain', 20, 1, 32), run('plain', 20, 1)];
    expect(findTwin(res, candidates)).toBe(candidates[3]);
    const plain = candidates[3] as ReturnType<typeof run>;
    const preact = run('preact_resnet', 20, 1);
    expect(findTwin(plain, [preact, res])).toBe(res);
    expect(findTwin(plain, [preact])).toBe(preact);
    expect(findTwin(res, [run('resnet', 20, 1)])).toBeNull();
  });

  it('is compared only on the same params (the same grid), whatever the key order', () => {
    expect(sameParams({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
    const mine = analysis(uuid(), 'landscape', [], { resolution: 5, chunks: 2 });
    const theirs = [
      analysis(uuid(), 'landscape', [], { resolution: 7, chunks: 2 }),
      analysis(uuid(), 'landscape', [], { chunks: 2, resolution: 5 }),
    ];
    expect(twinCounterpart(mine, theirs)).toBe(theirs[1]);
    expect(twinCounterpart(mine, theirs.slice(0, 1))).toBeNull();
  });
});

describe('the sweep comparison', () => {
  it('averages each net’s lesion and curvature numbers over its runs', () => {
    const [a, b, p] = [run('resnet', 8), run('resnet', 8, 1), run('plain', 8)];
    const lesion = (id: string, block: number, k1: number) =>
      analysis(id, 'lesion', [
        { section: 'lesion.block', block: 'b', index: 0, reshapes: false, error: block, loss: 1, bypassError: null },
        { section: 'lesion.k', k: 1, errors: [k1], mean: k1, std: 0 },
      ]);
    const curvature = analysis(p.id, 'curvature', [
      {
        section: 'curvature.estimate',
        images: 100,
        topEigenvalue: 40,
        topEigenvalueCi: [30, 50],
        trace: 400,
        traceCi: [300, 500],
        batches: [{ topEigenvalue: 40, iterations: 3, converged: true, trace: 400, traceStd: 1 }],
        probes: 2,
      },
    ]);
    // A second lesion study of one run with other params is left out: rows compare analyses made the same way.
    const other = { ...lesion(a.id, 0.9, 0.9), params: { evalImages: 100 }, createdAt: '2026-11-30T00:00:00.000Z' };
    const rows = sweepAnalysisRows([a, b, p], [lesion(a.id, 0.2, 0.3), lesion(b.id, 0.4, 0.5), other, curvature]);
    expect(rows.map((r) => [r.arch, r.blockError, r.errorAtK, r.topEigenvalue])).toEqual([
      ['plain', null, [], 40],
      ['resnet', expect.closeTo(0.3), [expect.closeTo(0.4)], null],
    ]);
  });
});

describe('the launch form', () => {
  it('starts from the contract defaults and names a bad field', () => {
    const text = defaultParamText('landscape');
    expect(text).toMatchObject({ resolution: '21', chunks: '3', dims: '2' });
    const ok = analysisRequest('landscape', { ...text, resolution: '5', chunks: '2' });
    expect(ok.ok && ok.request.params).toMatchObject({ resolution: 5, chunks: 2, dims: 2 });
    const bad = analysisRequest('landscape', { ...text, resolution: '4' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.resolution).toMatch(/^params\.resolution: must be odd/);
    const lesion = analysisRequest('lesion', defaultParamText('lesion'));
    expect(lesion.ok && 'maxK' in lesion.request.params).toBe(false);
  });
});
