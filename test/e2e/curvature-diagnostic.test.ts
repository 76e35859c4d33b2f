import { join } from 'node:path';
import { parseSubscribeAck, type RunDto, type RunSnapshot, type SweepDetailDto } from '@reslab/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { openStream, subscribeRoom } from '../support/identity.js';
import type { ManagedProcess } from '../support/processes.js';
import { ENGINE_ENV, sweepFinished, tinyConfig } from '../support/runs.js';
import { api, type Stack } from '../support/stack.js';

const EPOCHS = 2;

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

describe('the per-epoch curvature diagnostic on the run page (real engine, worker, browser)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;
  let page: Page;
  let resnet: RunDto;
  let plain: RunDto;

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_curvepoch'));
    for (const name of ['curv-a', 'curv-b']) await stack.startWorker(name, { env: ENGINE_ENV });
    browser = await launchChromium();

    // A ResNet-8 and its plain twin (same sweep, depth and seed), curvature measured at every epoch.
    const created = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'curvature by epoch',
      base: tinyConfig({
        epochs: EPOCHS,
        diagnostics: { curvatureEvery: 1, curvatureImages: 64, gradFlowBatches: 0 },
      }),
      grid: { 'model.arch': ['resnet', 'plain'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const runs = await sweepFinished(stack, created.body.id, 180_000);
    for (const r of runs) expect(r.status, `${r.failureReason}\n${r.stderrTail}`).toBe('succeeded');
    resnet = runs.find((r) => r.config.model.arch === 'resnet') as RunDto;
    plain = runs.find((r) => r.config.model.arch === 'plain') as RunDto;

    const context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin, {
      viewport: { width: 1400, height: 1000 },
    });
    page = await context.newPage();
  }, 240_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) {
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'run-curvature-failed.png'), fullPage: true }).catch(() => {});
    }
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('draws one point per measured epoch (0 to the last), the values the snapshot holds, beside the twin', async () => {
    const mine = await snapshotOf(stack, resnet.id);
    const theirs = await snapshotOf(stack, plain.id);
    expect(mine.curvature.map((c) => c.epoch)).toEqual([0, 1, 2]);
    expect(theirs.curvature.map((c) => c.epoch)).toEqual([0, 1, 2]);

    await page.goto(`${dashboardUrl}/runs/${resnet.id}`);
    const section = page.getByTestId('curvature-by-epoch');
    await section.waitFor();
    await expect(section.getAttribute('data-epochs')).resolves.toBe('0 1 2');
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
