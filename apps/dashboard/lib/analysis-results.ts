/**
 * An analysis's stored parts (libs/contracts AnalysisPartData, a union on `section`) read as what each view draws,
 * the twin a run is compared with, and the sweep's comparison rows. Pure, so they are unit-tested.
 */
import type {
  AnalysisDetailDto,
  AnalysisKind,
  AnalysisPartData,
  AnalysisSection,
  RunConfig,
  RunStatus,
} from '@reslab/contracts';

type Section<S extends AnalysisSection> = Extract<AnalysisPartData, { section: S }>;

export function sectionParts<S extends AnalysisSection>(
  analysis: Pick<AnalysisDetailDto, 'parts'>,
  section: S,
): Section<S>[] {
  return analysis.parts.map((p) => p.data).filter((d): d is Section<S> => d.section === section);
}

// ---- lesion study (Veit et al. 2016)

export interface LesionResult {
  baseline: Section<'lesion.baseline'> | null;
  blocks: Section<'lesion.block'>[];
  ks: Section<'lesion.k'>[];
  reorder: Section<'lesion.reorder'>['samples'];
  paths: Section<'lesion.paths'> | null;
}

export function lesionResult(analysis: Pick<AnalysisDetailDto, 'parts'>): LesionResult {
  return {
    baseline: sectionParts(analysis, 'lesion.baseline')[0] ?? null,
    blocks: sectionParts(analysis, 'lesion.block').sort((a, b) => a.index - b.index),
    ks: sectionParts(analysis, 'lesion.k').sort((a, b) => a.k - b.k),
    reorder: sectionParts(analysis, 'lesion.reorder').flatMap((r) => r.samples),
    paths: sectionParts(analysis, 'lesion.paths')[0] ?? null,
  };
}

/** The mean error over single-block deletions: the sweep's one number for "how much does one block matter". */
export function meanBlockError(result: LesionResult): number | null {
  return result.blocks.length ? result.blocks.reduce((n, b) => n + b.error, 0) / result.blocks.length : null;
}

// ---- loss landscape (Li et al. 2018)

export interface LandscapeGrid {
  setup: Section<'landscape.setup'> | null;
  dims: 1 | 2;
  resolution: number;
  /** Coordinates along the first and second direction, by grid index (beta is [0] on a line). */
  alphas: number[];
  betas: number[];
  /** loss[i][j], nats; null where the point is not in yet, or the loss was not finite. */
  loss: (number | null)[][];
  accuracy: (number | null)[][];
  /** Points in so far, of resolution^dims. */
  points: number;
  min: number | null;
  max: number | null;
}

/** The grid's coordinates when no point has said them yet: `resolution` points evenly over [-span, span]. */
function axis(resolution: number, span: number): number[] {
  if (resolution < 2) return [0];
  return Array.from({ length: resolution }, (_, k) => -span + (2 * span * k) / (resolution - 1));
}

export function landscapeGrid(analysis: Pick<AnalysisDetailDto, 'parts' | 'params'>): LandscapeGrid {
  const setup = sectionParts(analysis, 'landscape.setup')[0] ?? null;
  const params = analysis.params as { dims?: number; resolution?: number; span?: number };
  const dims = (setup?.dims ?? (params.dims === 1 ? 1 : 2)) as 1 | 2;
  const resolution = setup?.resolution ?? params.resolution ?? 21;
  const span = setup?.span ?? params.span ?? 1;
  const alphas = axis(resolution, span);
  const betas = dims === 2 ? axis(resolution, span) : [0];
  const loss = alphas.map(() => betas.map((): number | null => null));
  const accuracy = alphas.map(() => betas.map((): number | null => null));
  let points = 0;
  let min: number | null = null;
  let max: number | null = null;
  for (const part of sectionParts(analysis, 'landscape.points')) {
    for (const p of part.points) {
      if (p.i >= alphas.length || p.j >= betas.length) continue;
      const row = loss[p.i];
      const accRow = accuracy[p.i];
      if (!row || !accRow) continue;
      if (row[p.j] === null && accRow[p.j] === null) points++;
      alphas[p.i] = p.alpha;
      betas[p.j] = p.beta;
      accRow[p.j] = p.accuracy;
      row[p.j] = p.loss !== null && Number.isFinite(p.loss) ? p.loss : null;
      if (row[p.j] !== null) {
        min = min === null ? p.loss : Math.min(min, p.loss as number);
        max = max === null ? p.loss : Math.max(max, p.loss as number);
      }
    }
  }
  return { setup, dims, resolution, alphas, betas, loss, accuracy, points, min, max };
}

/** One colour scale for grids drawn side by side (Li et al. compare surfaces on the same scale): their joint range. */
export function sharedRange(grids: LandscapeGrid[]): { min: number; max: number } | null {
  const mins = grids.flatMap((g) => (g.min === null ? [] : [g.min]));
  const maxs = grids.flatMap((g) => (g.max === null ? [] : [g.max]));
  if (!mins.length || !maxs.length) return null;
  const min = Math.min(...mins);
  const max = Math.max(...maxs);
  return { min, max: max > min ? max : min + 1e-6 };
}

/** The line through the grid at row `i` (beta varies) or column `j` (alpha varies), as [coordinate, loss] pairs. */
export function gridSlice(grid: LandscapeGrid, along: 'alpha' | 'beta', index: number): [number, number | null][] {
  if (along === 'alpha') return grid.alphas.map((a, i) => [a, grid.loss[i]?.[index] ?? null]);
  return grid.betas.map((b, j) => [b, grid.loss[index]?.[j] ?? null]);
}

// ---- curvature

export function curvatureResult(analysis: Pick<AnalysisDetailDto, 'parts'>): Section<'curvature.estimate'> | null {
  return sectionParts(analysis, 'curvature.estimate')[0] ?? null;
}

// ---- cost (docs/course.md §4)

export interface CostResult {
  run: Section<'cost.model'> | null;
  twin: Section<'cost.model'> | null;
  course: Section<'cost.course'> | null;
}

export function costResult(analysis: Pick<AnalysisDetailDto, 'parts'>): CostResult {
  const models = sectionParts(analysis, 'cost.model');
  return {
    run: models.find((m) => m.role === 'run') ?? null,
    twin: models.find((m) => m.role === 'twin') ?? null,
    course: sectionParts(analysis, 'cost.course')[0] ?? null,
  };
}

export interface StageCost {
  stage: string;
  blocks: (Section<'cost.model'>['blocks'][number] & { layers: Section<'cost.model'>['layers'] })[];
  params: number;
  macs: number;
}

/**
 * The net as stages → blocks → layers. Layers outside any block (the stem, the head) are a stage of their own,
 * named by the layer's stage or, without one, `stem` before the first block and `head` after the last.
 */
export function costStages(model: Section<'cost.model'>): {
  stages: StageCost[];
  loose: Section<'cost.model'>['layers'];
} {
  const stages = new Map<string, StageCost>();
  for (const block of model.blocks) {
    const stage = stages.get(block.stage) ?? { stage: block.stage, blocks: [], params: 0, macs: 0 };
    stage.blocks.push({ ...block, layers: model.layers.filter((l) => l.block === block.name) });
    stage.params += block.params;
    stage.macs += block.macs;
    stages.set(block.stage, stage);
  }
  const names = new Set(model.blocks.map((b) => b.name));
  return { stages: [...stages.values()], loose: model.layers.filter((l) => l.block === null || !names.has(l.block)) };
}

// ---- which analysis a view shows, and the twin's

/** The newest analysis of a kind (the lists are newest first), preferring one that has parts to show. */
export function latestOfKind<A extends Pick<AnalysisDetailDto, 'kind' | 'parts' | 'createdAt'>>(
  analyses: A[],
  kind: AnalysisKind,
): A | null {
  const ofKind = analyses
    .filter((a) => a.kind === kind)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return ofKind.find((a) => a.parts.length > 0) ?? ofKind[0] ?? null;
}

/** Params as a key that ignores key order (and absent values), for telling analyses of the same params. */
export function paramsKey(params: Record<string, unknown>): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([x], [y]) => x.localeCompare(y))
            .map(([k, x]) => [k, canonical(x)]),
        )
      : v;
  return JSON.stringify(canonical(params));
}

export function sameParams(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return paramsKey(a) === paramsKey(b);
}

/** The twin's analysis to draw beside this one: the same kind with the same params, else none (a different grid). */
export function twinCounterpart<A extends Pick<AnalysisDetailDto, 'kind' | 'params' | 'parts' | 'createdAt'>>(
  mine: Pick<AnalysisDetailDto, 'kind' | 'params'>,
  theirs: A[],
): A | null {
  return latestOfKind(
    theirs.filter((a) => sameParams(a.params, mine.params)),
    mine.kind,
  );
}

export interface TwinCandidate {
  id: string;
  status: RunStatus;
  config: Pick<RunConfig, 'seed'> & {
    model: Pick<RunConfig['model'], 'arch' | 'depth' | 'width'>;
    data: Pick<RunConfig['data'], 'dataset'>;
  };
}

/** plain ↔ residual: a plain net's twin is the ResNet (else the pre-activation one); a residual net's is the plain. */
function twinArchs(arch: string): string[] {
  return arch === 'plain' ? ['resnet', 'preact_resnet'] : ['plain'];
}

/**
 * The run this one is compared with: same data set, depth, width and seed, the other side of plain / residual
 * (docs/course.md §2, §3: the claims are about the shortcut, so everything else is held fixed).
 */
export function findTwin<R extends TwinCandidate>(run: TwinCandidate, candidates: R[]): R | null {
  const { model, data, seed } = run.config;
  const matches = candidates.filter(
    (c) =>
      c.id !== run.id &&
      c.config.model.depth === model.depth &&
      (c.config.model.width ?? null) === (model.width ?? null) &&
      c.config.seed === seed &&
      c.config.data.dataset === data.dataset,
  );
  for (const arch of twinArchs(model.arch)) {
    const found = matches.filter((c) => c.config.model.arch === arch);
    if (found.length) return found.find((c) => c.status === 'succeeded') ?? found[0] ?? null;
  }
  return null;
}

// ---- the sweep's comparison

export interface SweepAnalysisRow {
  arch: string;
  depth: number;
  runs: number;
  /** Mean over the net's runs of the mean single-block deletion error; null when no lesion study is in. */
  blockError: number | null;
  baselineError: number | null;
  /** Mean error with k random blocks deleted, by k (index 0 is k = 1), over the net's runs. */
  errorAtK: (number | null)[];
  topEigenvalue: number | null;
  trace: number | null;
  /** Runs with a landscape, to link to their run page. */
  landscapes: { runId: string; analysisId: string }[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/**
 * The params of a kind most of the sweep's runs were analysed with (ties: the newest), so the sweep's rows
 * compare analyses made the same way; null when no analysis of the kind has results.
 */
export function commonParams(analyses: AnalysisDetailDto[], kind: AnalysisKind): Record<string, unknown> | null {
  const groups = new Map<string, { params: Record<string, unknown>; runs: Set<string>; newest: number }>();
  for (const a of analyses) {
    if (a.kind !== kind || !a.parts.length) continue;
    const key = paramsKey(a.params);
    const group = groups.get(key) ?? { params: a.params, runs: new Set<string>(), newest: 0 };
    group.runs.add(a.runId);
    group.newest = Math.max(group.newest, Date.parse(a.createdAt));
    groups.set(key, group);
  }
  const best = [...groups.values()].sort((x, y) => y.runs.size - x.runs.size || y.newest - x.newest)[0];
  return best?.params ?? null;
}

/** Per (arch, depth): the key numbers of its runs' analyses, so plain against residual reads at a glance. */
export function sweepAnalysisRows(
  runs: { id: string; config: { model: { arch: string; depth: number } } }[],
  analyses: AnalysisDetailDto[],
): SweepAnalysisRow[] {
  // Like with like: per kind, only the analyses with the params most runs have.
  const chosen = new Map<string, string | null>(
    (['lesion', 'landscape', 'curvature'] as const).map((kind) => {
      const params = commonParams(analyses, kind);
      return [kind, params === null ? null : paramsKey(params)];
    }),
  );
  const byRun = new Map<string, AnalysisDetailDto[]>();
  for (const a of analyses) {
    if (chosen.get(a.kind) !== paramsKey(a.params)) continue;
    byRun.set(a.runId, [...(byRun.get(a.runId) ?? []), a]);
  }
  const nets = new Map<string, { arch: string; depth: number; ids: string[] }>();
  for (const r of runs) {
    const key = `${r.config.model.arch}-${r.config.model.depth}`;
    const net = nets.get(key) ?? { arch: r.config.model.arch, depth: r.config.model.depth, ids: [] };
    net.ids.push(r.id);
    nets.set(key, net);
  }
  const rows: SweepAnalysisRow[] = [];
  for (const { arch, depth, ids } of nets.values()) {
    const lesions = ids.flatMap((id) => {
      const a = latestOfKind(byRun.get(id) ?? [], 'lesion');
      return a ? [lesionResult(a)] : [];
    });
    const curvatures = ids.flatMap((id) => {
      const a = latestOfKind(byRun.get(id) ?? [], 'curvature');
      const c = a ? curvatureResult(a) : null;
      return c ? [c] : [];
    });
    const landscapes = ids.flatMap((id) => {
      const a = latestOfKind(byRun.get(id) ?? [], 'landscape');
      return a ? [{ runId: id, analysisId: a.id }] : [];
    });
    const maxK = Math.max(0, ...lesions.flatMap((l) => l.ks.map((k) => k.k)));
    const errorAtK = Array.from({ length: maxK }, (_, i) =>
      mean(lesions.flatMap((l) => l.ks.filter((k) => k.k === i + 1).map((k) => k.mean))),
    );
    if (!lesions.length && !curvatures.length && !landscapes.length) continue;
    rows.push({
      arch,
      depth,
      runs: ids.length,
      blockError: mean(lesions.flatMap((l) => (meanBlockError(l) === null ? [] : [meanBlockError(l) as number]))),
      baselineError: mean(lesions.flatMap((l) => (l.baseline ? [l.baseline.error] : []))),
      errorAtK,
      topEigenvalue: mean(curvatures.map((c) => c.topEigenvalue)),
      trace: mean(curvatures.map((c) => c.trace)),
      landscapes,
    });
  }
  return rows.sort((a, b) => a.depth - b.depth || a.arch.localeCompare(b.arch));
}
