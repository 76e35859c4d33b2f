import { join } from 'node:path';
import {
  type AnalysisDetailDto,
  type AnalysisPartData,
  parseSubscribeAck,
  type RunDto,
  type RunSnapshot,
  type SweepDetailDto,
} from '@reslab/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { openStream, subscribeRoom } from '../support/identity.js';
import { type ManagedProcess, waitFor } from '../support/processes.js';
import { analysisWhen, ENGINE_ENV, sweepFinished, tinyConfig } from '../support/runs.js';
import { api, type Stack } from '../support/stack.js';

/** Small enough for seconds per job on one CPU thread: the point is the path to the page, not the numbers. */
const SPECS = {
  lesion: { kind: 'lesion', params: { evalImages: 200, maxK: 2, samplesPerK: 2, reorderSamples: 4, pathSamples: 2 } },
  landscape: { kind: 'landscape', params: { resolution: 5, chunks: 2, evalImages: 200 } },
  curvature: { kind: 'curvature', params: { evalImages: 200, batches: 2, iterations: 5, probes: 2 } },
  cost: { kind: 'cost', params: {} },
} as const;

type Section<S extends AnalysisPartData['section']> = Extract<AnalysisPartData, { section: S }>;
const sections = <S extends AnalysisPartData['section']>(a: AnalysisDetailDto, s: S) =>
  a.parts.map((p) => p.data).filter((d): d is Section<S> => d.section === s);

async function launch(stack: Stack, runId: string, spec: (typeof SPECS)[keyof typeof SPECS]) {
  const { status, body } = await api<AnalysisDetailDto>(stack, 'POST', `/runs/${runId}/analyses`, spec);
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id;
}

async function finished(stack: Stack, id: string): Promise<AnalysisDetailDto> {
  const done = await analysisWhen(stack, id, undefined, 150_000);
  expect(done.status, `${done.kind}: ${done.jobs.map((j) => j.failureReason).join('; ')}`).toBe('succeeded');
  return done;
}

/** The run room's snapshot as the API serves it to the page: the one place a run's curvature rows are read. */
async function snapshotOf(stack: Stack, runId: string): Promise<RunSnapshot> {
  const socket = openStream(stack, { token: stack.admin.apiKey });
  try {
    const ack = parseSubscribeAck('run', await subscribeRoom(socket, { kind: 'run', id: runId }));
    if (!ack.success || !ack.data.ok) throw new Error(`subscribe to run ${runId}: ${JSON.stringify(ack)}`);
    return ack.data.snapshot;
  } finally {
    socket.disconnect();
  }
}

interface Drawn {
  name: string;
  points: number;
}
const drawn = async (page: Page, testId: string) =>
  JSON.parse((await page.getByTestId(testId).getAttribute('data-series')) ?? '[]') as Drawn[];

/** Epochs the twins train; the curvature diagnostic measures each, and epoch 0. */
const EPOCHS = 1;

const attr = (page: Page, selector: string, name: string) => page.locator(selector).first().getAttribute(name);

describe('analyses on the dashboard: a ResNet beside its plain twin (real engine, workers, browser)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;
  let page: Page;
  let resnet: RunDto;
  let plain: RunDto;
  let sweepId: string;
  const done: Record<string, Record<string, AnalysisDetailDto>> = {};

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_andash'));
    for (const name of ['an-dash-a', 'an-dash-b']) await stack.startWorker(name, { env: ENGINE_ENV });
    browser = await launchChromium();

    // The twin pair: same sweep, depth, width and seed; only the shortcut differs.
    const created = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'twins',
      base: tinyConfig({
        epochs: EPOCHS,
        model: { arch: 'resnet', depth: 8, width: 8 },
        diagnostics: { curvatureEvery: 1, curvatureImages: 64, gradFlowBatches: 0 },
      }),
      grid: { 'model.arch': ['resnet', 'plain'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    sweepId = created.body.id;
    const runs = await sweepFinished(stack, sweepId, 150_000);
    for (const r of runs) expect(r.status, `${r.failureReason}\n${r.stderrTail}`).toBe('succeeded');
    resnet = runs.find((r) => r.config.model.arch === 'resnet') as RunDto;
    plain = runs.find((r) => r.config.model.arch === 'plain') as RunDto;

    // Both nets get the same three analyses (the same grid and directions for the landscape).
    const ids: [string, string, string][] = [];
    for (const run of [resnet, plain]) {
      for (const kind of ['lesion', 'landscape', 'curvature'] as const) {
        ids.push([run.id, kind, await launch(stack, run.id, SPECS[kind])]);
      }
    }
    for (const [runId, kind, id] of ids) {
      done[runId] ??= {};
      (done[runId] as Record<string, AnalysisDetailDto>)[kind] = await finished(stack, id);
    }
    const context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin, {
      viewport: { width: 1400, height: 1000 },
    });
    page = await context.newPage();
  }, 330_000);

  // What the page showed when a test failed, to read beside the assertion.
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) {
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'analyses-failed.png'), fullPage: true }).catch(() => {});
    }
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('draws the lesion study, the landscape and the curvature beside the twin, with the numbers the API holds', async () => {
    const mine = done[resnet.id] as Record<string, AnalysisDetailDto>;
    const theirs = done[plain.id] as Record<string, AnalysisDetailDto>;
    await page.goto(`${dashboardUrl}/runs/${resnet.id}`);
    await expect(page.getByTestId('analysis-row').count()).resolves.toBe(3);
    await expect(page.locator('[data-testid="analysis-row"][data-status="succeeded"]').count()).resolves.toBe(3);
    await page.getByTestId('twin-label').waitFor();
    await expect(page.getByTestId('twin-label').textContent()).resolves.toBe('plain-8 (twin)');

    // Lesion: one bar series per net, plus the plain net's bypassed blocks where any could be bypassed.
    await page.getByTestId('lesion-blocks-chart').waitFor();
    const series = JSON.parse((await attr(page, '[data-testid="lesion-blocks-chart"]', 'data-series')) ?? '[]') as {
      name: string;
      points: number;
    }[];
    const bypass = sections(theirs.lesion as AnalysisDetailDto, 'lesion.block').some((b) => b.bypassError !== null);
    expect(series.map((s) => s.name)).toEqual([
      'resnet-8: block deleted',
      'plain-8 (twin): block deleted',
      ...(bypass ? ['plain-8 (twin): block bypassed (y = x)'] : []),
    ]);
    const blocks = sections(mine.lesion as AnalysisDetailDto, 'lesion.block').length;
    expect(series[0]?.points).toBe(blocks);
    const ks = JSON.parse((await attr(page, '[data-testid="lesion-k-chart"]', 'data-series')) ?? '[]') as unknown[];
    expect(ks).toHaveLength(6);

    // Landscape: both 5×5 grids complete, on one colour scale spanning both.
    const grids = page.getByTestId('landscape-grid');
    await expect(grids.count()).resolves.toBe(2);
    const losses = [mine, theirs].flatMap((a) =>
      sections(a.landscape as AnalysisDetailDto, 'landscape.points').flatMap((p) => p.points.map((x) => x.loss ?? 0)),
    );
    for (const k of [0, 1]) {
      const grid = grids.nth(k);
      await expect(grid.getAttribute('data-resolution')).resolves.toBe('5');
      await expect(grid.getAttribute('data-points')).resolves.toBe('25');
      expect(Number(await grid.getAttribute('data-scale-min'))).toBeCloseTo(Math.min(...losses), 6);
      expect(Number(await grid.getAttribute('data-scale-max'))).toBeCloseTo(Math.max(...losses), 6);
    }
    // A click on the top row of the first map: the slice becomes the line along α through β's last grid index.
    const slice = page.getByTestId('landscape-slice');
    await expect(slice.getAttribute('data-index')).resolves.toBe('2');
    const heatmap = grids.nth(0).getByTestId('landscape-heatmap');
    const box = await heatmap.boundingBox();
    if (!box) throw new Error('the landscape map has no box');
    // The map's grid: 64 px left, 96 px right, 16 px top, 56 px bottom (landscapeHeatmapOption); 5 rows.
    await heatmap.click({ position: { x: 64 + (box.width - 160) / 2, y: 16 + (box.height - 72) / 10 } });
    await waitFor('the slice to follow the click', async () =>
      (await slice.getAttribute('data-index')) === '4' ? true : undefined,
    );
    await expect(slice.getAttribute('data-along')).resolves.toBe('alpha');
    const surface = page.getByTestId('landscape-surface').first();
    await waitFor('the surface to settle', async () =>
      (await surface.getAttribute('data-state')) !== 'loading' ? true : undefined,
    );
    const surfaceState = await surface.getAttribute('data-state');
    console.log(`landscape surface under headless Chromium: ${surfaceState}`);
    expect(['drawn', 'no-webgl']).toContain(surfaceState);

    // Curvature: the numbers on the page are the API's.
    const rows = page.getByTestId('curvature-row');
    await expect(rows.count()).resolves.toBe(2);
    for (const [arch, analysis] of [
      ['resnet', mine.curvature],
      ['plain', theirs.curvature],
    ] as const) {
      const estimate = sections(analysis as AnalysisDetailDto, 'curvature.estimate')[0];
      const row = page.locator(`[data-testid="curvature-row"][data-arch="${arch}"]`);
      await expect(row.getByTestId('curvature-top-eigenvalue').getAttribute('data-value')).resolves.toBe(
        String(estimate?.topEigenvalue),
      );
      await expect(row.getByTestId('curvature-trace').getAttribute('data-value')).resolves.toBe(
        String(estimate?.trace),
      );
    }
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'analyses-run.png'), fullPage: true });
  }, 120_000);

  it('shows the model page from the run page: stages, blocks and layers, the twin and the course example', async () => {
    const cost = await finished(stack, await launch(stack, resnet.id, SPECS.cost));
    await page.goto(`${dashboardUrl}/runs/${resnet.id}`);
    await page.getByTestId('model-link').click();
    await page.waitForURL(`**/runs/${resnet.id}/model`);
    await page.getByTestId('cost-view').waitFor();
    const models = sections(cost, 'cost.model');
    const run = models.find((m) => m.role === 'run');
    expect(run?.block).toBe('basic');
    await expect(
      page.locator('[data-testid="cost-total-row"][data-role="run"]').getAttribute('data-params'),
    ).resolves.toBe(String(run?.totalParams));
    await expect(page.locator('[data-testid="cost-total-row"][data-role="twin"]').count()).resolves.toBe(1);
    await expect(page.getByTestId('cost-block-row').count()).resolves.toBe(run?.blocks.length);
    await expect(page.getByTestId('cost-course-row').count()).resolves.toBe(2);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'analyses-model.png'), fullPage: true });
  }, 120_000);

  it("launches from the dashboard's buttons and fills in live: a curvature estimate, and the plain twin's cost", async () => {
    await page.goto(`${dashboardUrl}/runs/${plain.id}`);
    await expect(page.getByTestId('analysis-row').count()).resolves.toBe(3);
    const form = page.getByTestId('launch-curvature');
    await form.getByText('Parameters').click();
    await form.getByLabel('Images').fill('100');
    await form.getByLabel('Batches').fill('2');
    await form.getByLabel('Power iterations').fill('5');
    await form.getByLabel('Hutchinson probes').fill('2');
    await form.getByLabel('Seed').fill('1');
    await form.getByTestId('launch-curvature-button').click();
    await waitFor('the launched analysis in the list', async () =>
      (await page.getByTestId('analysis-row').count()) === 4 ? true : undefined,
    );
    // Its status reaches the page over the stream, without a reload.
    await page.locator('[data-testid="analysis-row"][data-kind="curvature"][data-status="succeeded"]').nth(1).waitFor({
      timeout: 90_000,
    });
    const { body } = await api<{ items: AnalysisDetailDto[] }>(stack, 'GET', `/runs/${plain.id}/analyses`);
    const launched = body.items.find((a) => a.kind === 'curvature' && a.params.seed === 1);
    expect(launched?.params).toMatchObject({ evalImages: 100, batches: 2, iterations: 5, probes: 2, seed: 1 });

    await page.goto(`${dashboardUrl}/runs/${plain.id}/model`);
    await page.getByTestId('cost-empty').waitFor();
    await page.getByTestId('launch-cost-button').click();
    await page.getByTestId('cost-view').waitFor({ timeout: 90_000 });
    await page.locator('[data-testid="cost-total-row"][data-role="run"]').waitFor();
  }, 120_000);

  it("compares the sweep's nets", async () => {
    await page.goto(`${dashboardUrl}/sweeps/${sweepId}`);
    await page.getByTestId('sweep-analyses-table').waitFor();
    await expect(page.getByTestId('sweep-analysis-row').count()).resolves.toBe(2);
    await expect(page.locator('[data-net="plain8"] [data-testid="sweep-block-error"]').textContent()).resolves.toMatch(
      /%$/,
    );
    await page.getByTestId('sweep-analyses').screenshot({ path: join(ARTIFACTS_DIR, 'analyses-sweep.png') });
  });

  it('draws the per-epoch curvature diagnostic: one point per measured epoch, the values the snapshot holds, beside the twin', async () => {
    const mine = await snapshotOf(stack, resnet.id);
    const theirs = await snapshotOf(stack, plain.id);
    expect(mine.curvature.map((c) => c.epoch)).toEqual([0, EPOCHS]);
    expect(theirs.curvature.map((c) => c.epoch)).toEqual([0, EPOCHS]);

    await page.goto(`${dashboardUrl}/runs/${resnet.id}`);
    const section = page.getByTestId('curvature-by-epoch');
    await section.waitFor();
    await expect(section.getAttribute('data-epochs')).resolves.toBe(`0 ${EPOCHS}`);
    const points = JSON.parse((await section.getAttribute('data-points')) ?? '[]');
    expect(points).toEqual(
      mine.curvature.map((c) => ({
        epoch: c.epoch,
        topEigenvalue: c.topEigenvalue,
        trace: c.trace,
        traceStdError: c.traceStd / Math.sqrt(c.probes),
        converged: c.converged,
      })),
    );

    // The twin comes over its own run room; once in, both nets are on both charts.
    await page.locator('[data-testid="curvature-by-epoch"][data-nets="2"]').waitFor();
    const unsettled = (rows: RunSnapshot['curvature'], label: string) =>
      rows.some((c) => !c.converged) ? [{ name: `${label} · power iteration not converged`, points: 0 }] : [];
    const eigen = await drawn(page, 'curvature-epoch-eigen-chart');
    expect(eigen.map((s) => s.name)).toEqual([
      'resnet-8',
      ...unsettled(mine.curvature, 'resnet-8').map((s) => s.name),
      'plain-8 (twin)',
      ...unsettled(theirs.curvature, 'plain-8 (twin)').map((s) => s.name),
    ]);
    expect(eigen.find((s) => s.name === 'resnet-8')?.points).toBe(EPOCHS + 1);
    expect(eigen.find((s) => s.name === 'plain-8 (twin)')?.points).toBe(EPOCHS + 1);
    for (const [rows, label] of [
      [mine.curvature, 'resnet-8'],
      [theirs.curvature, 'plain-8 (twin)'],
    ] as const) {
      const ringed = eigen.find((s) => s.name === `${label} · power iteration not converged`);
      expect(ringed?.points ?? 0).toBe(rows.filter((c) => !c.converged).length);
    }
    const trace = await drawn(page, 'curvature-epoch-trace-chart');
    expect(trace).toEqual([
      { name: 'resnet-8', points: EPOCHS + 1 },
      { name: 'resnet-8 · ±1 standard error', points: EPOCHS + 1 },
      { name: 'plain-8 (twin)', points: EPOCHS + 1 },
      { name: 'plain-8 (twin) · ±1 standard error', points: EPOCHS + 1 },
    ]);

    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: join(ARTIFACTS_DIR, 'run-curvature.png') });
  });
});
