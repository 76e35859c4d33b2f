import { join } from 'node:path';
import type { RunPage, SweepDetailDto } from '@reslab/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signInThroughForm, startStackWithDashboard } from '../support/dashboard.js';
import { type ManagedProcess, waitFor } from '../support/processes.js';
import { api, type Stack } from '../support/stack.js';

/** What an EChart element says it draws (components/echart.tsx mirrors it into `data-series`). */
async function chartSeries(page: Page, testId: string): Promise<{ name: string; points: number }[]> {
  const raw = await page.getByTestId(testId).getAttribute('data-series');
  return JSON.parse(raw ?? '[]');
}

describe('dashboard pages: launch, live run, sweep, compare, workers (real browser, real stack)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;
  let page: Page;
  let sweepId: string;

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_dpages'));
    await Promise.all([stack.startWorker('pages-worker-a'), stack.startWorker('pages-worker-b')]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // As a user does: the form at /login, which leads on to the page they asked for.
    await signInThroughForm(page, dashboardUrl, stack.admin, '/launch');
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('launches a sweep from the form and draws a run’s epochs live, without reloading', async () => {
    expect(new URL(page.url()).pathname).toBe('/launch');
    // The sweep goes into a project of the admin's team, picked from GET /projects.
    await expect(page.getByTestId('launch-project').inputValue()).resolves.toBe('demo/default');
    // The built-in degradation template fills the form with its recipe: 14 px images, the paper's step schedule.
    await page.getByTestId('use-degradation-template').click();
    await expect(page.getByLabel('Image size in pixels (optional)').inputValue()).resolves.toBe('14');
    await expect(page.getByLabel('Learning-rate schedule').inputValue()).resolves.toBe('step');
    await expect(page.getByLabel('Depths (layers)').inputValue()).resolves.toBe('20, 32, 44, 56');
    await page.getByLabel('Sweep name').fill('e2e depth sweep');
    // plain and resnet are ticked by default; make sure of it.
    await page.getByRole('checkbox', { name: 'plain' }).check();
    await page.getByRole('checkbox', { name: 'resnet', exact: true }).check();
    await page.getByRole('checkbox', { name: 'preact_resnet' }).uncheck();
    await page.getByLabel('Depths (layers)').fill('8');
    await page.getByLabel('Seeds').fill('0');
    await page.getByLabel('Dataset').selectOption('synthetic');
    await page.getByLabel('Validation images').fill('200');
    await page.getByLabel('Training images (optional)').fill('1000');
    await page.getByLabel('Epochs').fill('2');

    // A bad depth is caught as it is typed, by the contract's own schema.
    await page.getByLabel('Depths (layers)').fill('9');
    await page.getByTestId('preview-issues').waitFor();
    await page.getByLabel('Depths (layers)').fill('8');
    await expect(page.getByTestId('preview-count').getAttribute('data-count')).resolves.toBe('2');
    await page.getByTestId('server-preview').waitFor();
    await expect(page.getByTestId('server-preview').getAttribute('data-count')).resolves.toBe('2');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'launch.png'), fullPage: true });

    await page.getByTestId('launch-submit').click();
    await page.waitForURL(/\/sweeps\/[0-9a-f-]{36}$/);
    sweepId = page.url().split('/').pop() as string;
    await page.getByTestId('sweep-run-row').nth(1).waitFor();
    await expect(page.getByTestId('sweep-run-row').count()).resolves.toBe(2);

    // Open a run straight away, before its epochs are in.
    await page.getByTestId('sweep-run-row').first().getByRole('link').click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    await page.getByTestId('stream-state').and(page.locator('[data-state="live"]')).waitFor();
    const epochs = page.getByTestId('live-epochs');
    const before = Number(await epochs.getAttribute('data-epochs'));
    expect(before).toBeLessThan(2);
    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => {
      (window as unknown as { liveMarker: number }).liveMarker = 1;
    });
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="live-epochs"]')?.getAttribute('data-epochs')) > n,
      before,
      { timeout: 90_000 },
    );
    await expect(page.evaluate(() => (window as unknown as { liveMarker?: number }).liveMarker)).resolves.toBe(1);
    const loss = await chartSeries(page, 'loss-chart');
    expect(loss.map((s) => s.name)).toEqual(['train', 'val']);
    expect(loss[0]?.points).toBeGreaterThan(0);

    // The run finishes on the same page load: status, all epochs, gradient flow.
    await page.locator('.run-header [data-status="succeeded"]').waitFor({ timeout: 120_000 });
    await page.waitForFunction(
      () => document.querySelector('[data-testid="live-epochs"]')?.getAttribute('data-epochs') === '2',
    );
    await page.getByTestId('gradflow-chart').waitFor();
    await page.getByTestId('epoch-select').selectOption('1');
    await expect(page.getByTestId('class-row').count()).resolves.toBe(10);
    await expect(page.evaluate(() => (window as unknown as { liveMarker?: number }).liveMarker)).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'run-live.png'), fullPage: true });
  }, 150_000);

  it('shows the sweep’s depth plot with both architectures', async () => {
    const done = await waitFor(
      'both runs of the sweep to succeed',
      async () => {
        const sweep = (await api<SweepDetailDto>(stack, 'GET', `/sweeps/${sweepId}`)).body;
        return sweep.runs.every((r) => r.status === 'succeeded') ? sweep : undefined;
      },
      120_000,
    );
    expect(done.runs).toHaveLength(2);
    await page.goto(`${dashboardUrl}/sweeps/${sweepId}`);
    await page.getByTestId('depth-chart').waitFor();
    const names = (await chartSeries(page, 'depth-chart')).map((s) => s.name);
    expect(names).toContain('plain · train error');
    expect(names).toContain('resnet · train error');
    expect(names).toContain('plain · test error');
    expect(names).toContain('resnet · test error');
    // The recipe and its iteration budget, stated from the runs' config: 800 images / batch 128 = 7 steps.
    await expect(page.getByTestId('sweep-recipe').textContent()).resolves.toContain(
      'synthetic at 14 px, 800 training images (200 held out for validation); width 16, 2 epochs of 7 iterations = 14 iterations of batch 128; SGD lr 0.1 (momentum 0.9, weight decay 0.0001) divided by 10 at iterations 7 and 10.',
    );
    // Seeds aggregated per net: one row per architecture at depth 8, each of one run.
    const seedRows = page.getByTestId('seed-row');
    await expect(seedRows.count()).resolves.toBe(2);
    await expect(seedRows.first().getAttribute('data-net')).resolves.toBe('plain8');
    const curves = await chartSeries(page, 'sweep-curves-chart');
    // Against iterations, as Fig. 6, since the synthetic set's size is known before the runs.
    await expect(page.getByTestId('curves-x-axis').textContent()).resolves.toContain('Against iterations');
    expect(curves).toHaveLength(2);
    expect(curves.every((c) => c.points === 2)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'sweep.png'), fullPage: true });

    await page.goto(`${dashboardUrl}/sweeps`);
    const row = page.locator(`[data-testid="sweep-row"][data-sweep-id="${sweepId}"]`);
    await expect(row.locator('.counts__item[data-status="succeeded"]').getAttribute('data-count')).resolves.toBe('2');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'sweeps.png'), fullPage: true });
  }, 150_000);

  it('compares two runs: both in the legend, the differing config field in the diff', async () => {
    const runs = (await api<RunPage>(stack, 'GET', `/runs?sweepId=${sweepId}`)).body.items;
    await page.goto(`${dashboardUrl}/compare`);
    await page.getByTestId('compare-empty').waitFor();
    for (const run of runs) await page.locator(`#pick-${run.id}`).check();
    await page.getByRole('button', { name: 'Compare the ticked runs' }).click();
    await page.getByTestId('compare-chart').waitFor();
    const series = await chartSeries(page, 'compare-chart');
    expect(series).toHaveLength(2);
    for (const run of runs) expect(series.some((s) => s.name.includes(run.id.slice(0, 8)))).toBe(true);
    await expect(
      page.locator('[data-testid="config-diff-row"][data-path="model.arch"]').textContent(),
    ).resolves.toMatch(/plain.*resnet|resnet.*plain/);
    await page.getByTestId('compare-metric').selectOption('loss');
    await page.getByTestId('compare-split').selectOption('val');
    await expect(chartSeries(page, 'compare-chart')).resolves.toEqual(series);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'compare.png'), fullPage: true });
  });

  it('lists workers live and runs', async () => {
    await page.goto(`${dashboardUrl}/workers`);
    await page.getByTestId('stream-state').and(page.locator('[data-state="live"]')).waitFor();
    await expect(page.getByTestId('worker-row').count()).resolves.toBe(2);
    await page.locator('[data-testid="worker-row"][data-health="ok"]').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'workers.png'), fullPage: true });

    await page.goto(`${dashboardUrl}/runs`);
    await expect(page.locator('[data-testid="run-row"][data-status="succeeded"]').count()).resolves.toBe(2);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'runs-after-sweep.png'), fullPage: true });
  });
});
