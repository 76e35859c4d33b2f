/**
 * The analyses (issue 11) through the path a user takes: the real orchestrator, workers and engine.
 *
 * Findings: plain-N and resnet-N trained with the demo's recipe (degradationTemplate: 14 px Fashion-MNIST, 20k
 * images, 12 epochs), then a lesion study, a loss landscape and a curvature estimate on each, at the contract's
 * defaults (landscape 21x21 over 2,000 training images; lesion on 2,000 test images; curvature on 1,000 training
 * images); prints what each found, plain beside residual.
 *
 * Grid throughput: landscape points per second on the resnet checkpoint, one worker (2 engine threads) against
 * two workers (1 thread each: the same 2 cores), the grid split into 2 chunks in both, interleaved rounds, each
 * round at a new direction seed so no finished grid is reused. The time is POST to the last part stored, so it
 * includes each engine's start (importing torch, loading the data set).
 *
 * Run: DATABASE_URL=... npx tsx benchmarks/analyses.ts [--depths 20] [--rounds 3] [--grid 11] [--skip-findings|--skip-grid]
 * Writes benchmarks/results/analyses-findings-<depths>.json and analyses-grid.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AnalysisDetailDto,
  type AnalysisPartData,
  degradationTemplate,
  expandSweep,
  type RunConfig,
  type RunDto,
  SweepSpec,
} from '@reslab/contracts';
import { REPO_ROOT } from '../test/support/paths.js';
import type { ManagedProcess } from '../test/support/processes.js';
import { analysisWhen, FINISHED, runWhen } from '../test/support/runs.js';
import { api, type Stack, startStack } from '../test/support/stack.js';
import { spread } from './figures.js';

const { values } = parseArgs({
  options: {
    depths: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    grid: { type: 'string', default: '11' },
    'skip-findings': { type: 'boolean', default: false },
    'skip-grid': { type: 'boolean', default: false },
  },
});
const DEPTHS = String(values.depths).split(',').map(Number);
const ROUNDS = Number(values.rounds);
const GRID = Number(values.grid);

/** The demo's recipe at one (arch, depth), seed 0; `epochs` shortens it where only the architecture matters. */
function recipe(arch: 'plain' | 'resnet', depth: number, epochs?: number): RunConfig {
  const expanded = expandSweep(
    SweepSpec.parse({ ...degradationTemplate(), grid: { 'model.arch': [arch], 'model.depth': [depth], seed: [0] } }),
  );
  if (!expanded.ok) throw new Error(JSON.stringify(expanded.issues));
  const config = expanded.runs[0]?.config as RunConfig;
  return epochs === undefined ? config : { ...config, epochs };
}

async function train(stack: Stack, arch: 'plain' | 'resnet', depth: number, epochs?: number): Promise<RunDto> {
  const t0 = Date.now();
  const config = recipe(arch, depth, epochs);
  const { body } = await api<RunDto>(stack, 'POST', '/runs', { name: `${arch}${depth}`, config });
  const run = await runWhen(stack, body.id, (r) => FINISHED.includes(r.status), 60 * 60_000);
  if (run.status !== 'succeeded') throw new Error(`${arch}${depth}: ${run.failureReason}\n${run.stderrTail}`);
  console.log(`trained ${arch}${depth} in ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
  return run;
}

async function analyse(
  stack: Stack,
  runId: string,
  spec: unknown,
): Promise<{ analysis: AnalysisDetailDto; seconds: number }> {
  const t0 = Date.now();
  const { body, status } = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${runId}/analyses`, spec);
  if (status >= 300) throw new Error(`POST analyses ${JSON.stringify(spec)}: ${status} ${JSON.stringify(body)}`);
  const analysis = await analysisWhen(stack, body.id, undefined, 60 * 60_000);
  if (analysis.status !== 'succeeded') {
    throw new Error(`${analysis.kind}: ${analysis.jobs.map((j) => j.failureReason).join('; ')}`);
  }
  return { analysis, seconds: (Date.now() - t0) / 1000 };
}

const sections = <S extends AnalysisPartData['section']>(a: AnalysisDetailDto, section: S) =>
  a.parts.map((p) => p.data).filter((d): d is Extract<AnalysisPartData, { section: S }> => d.section === section);

const mean = (values: number[]) => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : null);

/** What a reader compares across twins: one line of numbers per analysis. */
function findings(lesion: AnalysisDetailDto, landscape: AnalysisDetailDto, curvature: AnalysisDetailDto) {
  const baseline = sections(lesion, 'lesion.baseline')[0];
  const blocks = sections(lesion, 'lesion.block');
  const ks = sections(lesion, 'lesion.k');
  const paths = sections(lesion, 'lesion.paths')[0];
  const reorder = sections(lesion, 'lesion.reorder')[0];
  const points = sections(landscape, 'landscape.points').flatMap((p) => p.points);
  const setup = sections(landscape, 'landscape.setup')[0];
  const estimate = sections(curvature, 'curvature.estimate')[0];
  const losses = points.map((p) => p.loss ?? Number.POSITIVE_INFINITY);
  const resolution = setup?.resolution ?? 0;
  const at = (i: number, j: number) => points.find((p) => p.i === i && p.j === j)?.loss ?? Number.NaN;
  // Non-convexity (Li et al. 2018 §6 read the ratio of Hessian eigenvalues; here a cheaper proxy from the grid):
  // the share of interior grid points whose loss exceeds the mean of their 4 neighbours, i.e. locally concave.
  let concave = 0;
  let interior = 0;
  for (let i = 1; i < resolution - 1; i++) {
    for (let j = 1; j < resolution - 1; j++) {
      interior += 1;
      if (at(i, j) > (at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1)) / 4) concave += 1;
    }
  }
  const nonShortcutBlocks = blocks.filter((b) => !b.reshapes);
  return {
    baselineError: baseline?.error,
    meanBlockDeletionError: mean(nonShortcutBlocks.map((b) => b.error)),
    worstBlockDeletion: blocks.reduce((w, b) => (b.error > (w?.error ?? -1) ? b : w), blocks[0])?.block,
    worstBlockDeletionError: Math.max(...blocks.map((b) => b.error)),
    meanBypassError: mean(blocks.flatMap((b) => (b.bypassError === null ? [] : [b.bypassError]))),
    errorByK: ks.map((k) => ({ k: k.k, mean: k.mean, std: k.std })),
    reorderSamples: reorder?.samples.length ?? 0,
    effectiveRange: paths?.effectiveRange,
    pathBlocks: paths?.blocks,
    landscapeCenterLoss: setup?.centerLoss,
    landscapeMaxLoss: Math.max(...losses),
    landscapeLocallyConcaveShare: interior ? concave / interior : null,
    topEigenvalue: estimate?.topEigenvalue,
    topEigenvalueCi: estimate?.topEigenvalueCi,
    trace: estimate?.trace,
    traceCi: estimate?.traceCi,
  };
}

async function findingsPart(stack: Stack) {
  const out: Record<string, unknown> = {};
  for (const depth of DEPTHS) {
    for (const arch of ['plain', 'resnet'] as const) {
      const run = await train(stack, arch, depth);
      const lesion = await analyse(stack, run.id, { kind: 'lesion' });
      const landscape = await analyse(stack, run.id, { kind: 'landscape' });
      const curvature = await analyse(stack, run.id, { kind: 'curvature' });
      const found = findings(lesion.analysis, landscape.analysis, curvature.analysis);
      out[`${arch}${depth}`] = {
        runId: run.id,
        seconds: { lesion: lesion.seconds, landscape: landscape.seconds, curvature: curvature.seconds },
        ...found,
      };
      console.log(`${arch}${depth}:`, JSON.stringify(out[`${arch}${depth}`], null, 1));
    }
  }
  return out;
}

async function gridPart(stack: Stack, runId: string) {
  const extra: ManagedProcess[] = [];
  const points = GRID * GRID;
  const rates: Record<'one' | 'two', number[]> = { one: [], two: [] };
  let seed = 1000;
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 ? (['two', 'one'] as const) : (['one', 'two'] as const)) {
      // Fresh workers per variant: 1 with torch's 2 threads, or 2 with 1 thread each, never 3 threads on 2 cores.
      const names = variant === 'one' ? [`grid-${round}-solo`] : [`grid-${round}-a`, `grid-${round}-b`];
      const env: Record<string, string> = variant === 'one' ? {} : { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
      for (const name of names) extra.push(await stack.startWorker(name, { env }));
      const spec = { kind: 'landscape', params: { resolution: GRID, chunks: 2, evalImages: 2000, seed: seed++ } };
      const { seconds, analysis } = await analyse(stack, runId, spec);
      const workers = new Set(analysis.jobs.map((j) => j.workerId)).size;
      rates[variant].push(points / seconds);
      console.log(
        `round ${round + 1} ${variant} worker(s): ${(points / seconds).toFixed(2)} points/s (${workers} took chunks)`,
      );
      while (extra.length) await extra.pop()?.stop();
    }
  }
  const ratios = rates.two.map((r, i) => r / (rates.one[i] as number));
  return { points, rates, ratios };
}

async function main() {
  const stack = await startStack('reslab_bench_analyses', { leaseSeconds: 30 });
  try {
    const trainer = await stack.startWorker('trainer');
    const found = values['skip-findings'] ? null : await findingsPart(stack);
    const resnet = found
      ? ((found[`resnet${DEPTHS[0]}`] as { runId: string }).runId as string)
      : // A point costs the same whatever the weights: one epoch of the recipe gives a checkpoint of the same net.
        (await train(stack, 'resnet', DEPTHS[0] as number, 1)).id;
    await trainer.stop();
    const results = join(REPO_ROOT, 'benchmarks', 'results');
    mkdirSync(results, { recursive: true });
    if (found) {
      writeFileSync(
        join(results, `analyses-findings-${DEPTHS.join('-')}.json`),
        `${JSON.stringify({ depths: DEPTHS, found }, null, 2)}\n`,
      );
    }
    if (values['skip-grid']) return;
    const grid = await gridPart(stack, resnet);
    console.log(
      `\nlandscape grid, ${grid.points} points over 2,000 images of 14 px Fashion-MNIST, resnet${DEPTHS[0]}:`,
    );
    console.log(`  1 worker, 2 threads:          ${spread(grid.rates.one, ' points/s', 2)}`);
    console.log(`  2 workers, 1 thread each:     ${spread(grid.rates.two, ' points/s', 2)}`);
    console.log(`  speed-up (same round):        ${spread(grid.ratios, 'x', 2)}`);
    writeFileSync(join(results, 'analyses-grid.json'), `${JSON.stringify({ depth: DEPTHS[0], grid }, null, 2)}\n`);
  } finally {
    await stack.stop();
  }
}

await main();
