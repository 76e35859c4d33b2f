import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ExternalRunDto, MetricPoint, RunDto } from '@reslab/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { requireFashionMnist } from '../support/datasets.js';
import { externalEpoch, FASHION_MNIST_CLASSES } from '../support/external-runs.js';
import { type ManagedProcess, waitFor } from '../support/processes.js';
import { api, type Stack } from '../support/stack.js';

requireFashionMnist();

const PETS = ['cat', 'dog', 'bird'];
const T0 = Date.parse('2026-11-01T09:00:00Z');

/** `count` points of `key` from step `from`, one a second; NaN at the steps in `nan`, as a diverging loss logs. */
function points(key: string, count: number, from = 0, nan: number[] = []): MetricPoint[] {
  return Array.from({ length: count }, (_, i) => {
    const step = from + i;
    return { key, step, timestamp: T0 + step * 1000, value: nan.includes(step) ? 'NaN' : 1 / (1 + step) };
  });
}

describe('runs logged from scripts on the dashboard (real browser, real stack)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_dash_ext'));
    await stack.startWorker('dash-ext-worker');
    browser = await launchChromium();
    context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  /** A call with the admin's API key, as the SDK and MLflow's client authenticate; fails the test on a non-2xx. */
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await api<T>(stack, method, path, body);
    if (answer.status >= 300)
      throw new Error(`${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  const chart = (page: Page, key: string) => page.locator(`[data-testid="external-chart"][data-key="${key}"]`);

  it('lists external runs, charts every point of each key, shows params, tags and class names, and updates live', async () => {
    const sdkRun = await call<ExternalRunDto>('POST', '/external-runs', {
      name: 'pets from a script',
      experiment: 'scripts',
      source: 'sdk',
      config: { optimizer: { lr: 0.1 }, batch: 32 },
      classNames: PETS,
      tags: { team: 'vision' },
    });
    await call('POST', `/external-runs/${sdkRun.id}/log`, {
      metrics: [...points('loss', 100, 0, [50]), ...points('acc', 40)],
      params: { seed: '7' },
      epochs: [externalEpoch(1, 'train', PETS.length), externalEpoch(1, 'val', PETS.length)],
    });
    const mlflowRun = await call<ExternalRunDto>('POST', '/external-runs', {
      name: 'from mlflow',
      experiment: 'scripts',
      source: 'mlflow',
    });
    await call('POST', `/external-runs/${mlflowRun.id}/log`, { metrics: [...points('loss', 60), ...points('lr', 5)] });
    await call('POST', `/external-runs/${mlflowRun.id}/end`, { status: 'succeeded' });

    const page = await context.newPage();
    await page.goto(`${dashboardUrl}/runs`);
    const rows = page.locator('[data-testid="external-run-row"]');
    // Visible, not only in the DOM: a streamed page holds its content hidden until it swaps it in.
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(2);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'external-runs-list.png'), fullPage: true });
    // Newest first; each names its source and the last value of its keys.
    await expect(rows.nth(0).getAttribute('data-run-id')).resolves.toBe(mlflowRun.id);
    await expect(rows.nth(0).getAttribute('data-source')).resolves.toBe('mlflow');
    const sdkRow = page.locator(`[data-testid="external-run-row"][data-run-id="${sdkRun.id}"]`);
    await expect(sdkRow.textContent()).resolves.toMatch(/pets from a script.*Python SDK.*Running.*scripts/s);
    await expect(sdkRow.locator('[data-testid="external-last-value"][data-key="loss"]').textContent()).resolves.toMatch(
      /loss 0\.01/,
    );

    await sdkRow.getByRole('link', { name: 'pets from a script' }).click();
    await page.waitForURL(`**/external/${sdkRun.id}`);
    await chart(page, 'loss').locator('canvas').waitFor();
    await expect(chart(page, 'loss').getAttribute('data-points')).resolves.toBe('100');
    await expect(chart(page, 'acc').getAttribute('data-points')).resolves.toBe('40');
    // Params: the config's leaves (dotted) and what was logged; tags as set.
    const params = page.locator('[data-testid="external-params"]');
    await expect(params.locator('tr[data-key="optimizer.lr"] td').textContent()).resolves.toBe('0.1');
    await expect(params.locator('tr[data-key="seed"] td').textContent()).resolves.toBe('7');
    await expect(page.locator('[data-testid="external-tags"] tr[data-key="team"] td').textContent()).resolves.toBe(
      'vision',
    );
    // Epochs logged with log_epoch: the engine run's table, and classes by name.
    await expect(page.locator('[data-testid="metric-row"]').count()).resolves.toBe(2);
    await expect(page.locator('[data-testid="class-name"]').allTextContents()).resolves.toEqual(PETS);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'external-run.png'), fullPage: true });

    // The script goes on while the page is open: a new epoch and more points appear without a reload.
    await call('POST', `/external-runs/${sdkRun.id}/log`, {
      metrics: points('loss', 5, 100),
      epochs: [externalEpoch(2, 'train', PETS.length), externalEpoch(2, 'val', PETS.length)],
    });
    await page.locator('[data-testid="metric-row"][data-epoch="2"]').first().waitFor({ timeout: 20_000 });
    await waitFor(
      'the loss chart to hold the new points',
      async () => ((await chart(page, 'loss').getAttribute('data-points')) === '105' ? true : undefined),
      20_000,
    );
    await expect(page.locator('[data-testid="metric-row"]').count()).resolves.toBe(4);
    // The newest epoch is the one shown per class; its confusion matrix, which the stream leaves out, is fetched.
    await expect(page.getByTestId('epoch-select').inputValue()).resolves.toBe('2');
    await page.getByTestId('confusion-chart').waitFor();
    // The script ends: the page says so without a reload.
    await call('POST', `/external-runs/${sdkRun.id}/end`, { status: 'succeeded' });
    await page.locator('.run-header [data-status="succeeded"]').waitFor({ timeout: 20_000 });

    // Compare the two through the picker: one chart per key both logged (loss), one line per run.
    await page.goto(`${dashboardUrl}/compare`);
    const picker = page.locator('[data-testid="external-picker"]');
    await picker.locator(`input[value="${sdkRun.id}"]`).check();
    await picker.locator(`input[value="${mlflowRun.id}"]`).check();
    await picker.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.getAll('external').length === 2);
    const compared = page.locator('[data-testid="external-compare-chart"]');
    await compared.locator('canvas').first().waitFor();
    await expect(compared.count()).resolves.toBe(1);
    await expect(compared.getAttribute('data-key')).resolves.toBe('loss');
    await expect(compared.getAttribute('data-lines')).resolves.toBe('2');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'external-compare.png'), fullPage: true });
    // An id that names no run of the caller's is counted, not fatal.
    await page.goto(`${dashboardUrl}/compare?external=${sdkRun.id},${mlflowRun.id},${randomUUID()}`);
    await page.getByTestId('external-compare-missing').waitFor();
    await expect(compared.getAttribute('data-lines')).resolves.toBe('2');
    await page.close();

    // In Korean (the browser's Accept-Language), the same page in the other catalogue.
    const korean = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin, { locale: 'ko-KR' });
    const ko = await korean.newPage();
    await ko.goto(`${dashboardUrl}/external/${sdkRun.id}`);
    await ko.locator('[data-testid="external-summary"]').waitFor();
    await expect(ko.getByRole('heading', { name: '지표', exact: true }).count()).resolves.toBe(1);
    await expect(ko.locator('[data-testid="external-summary"]').textContent()).resolves.toMatch(/출처.*Python SDK/);
    await ko.screenshot({ path: join(ARTIFACTS_DIR, 'external-run-ko.png'), fullPage: true });
    await korean.close();
  }, 120_000);

  it('pages the external runs list: 50 runs at first, the rest with Load more', async () => {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call<ExternalRunDto>('POST', '/external-runs', { name: `paged ${i}`, experiment: 'paged', source: 'sdk' }),
      ),
    );
    const page = await context.newPage();
    await page.goto(`${dashboardUrl}/runs`);
    const rows = page.locator('[data-testid="external-run-row"]');
    await rows.first().waitFor();
    await expect(rows.count()).resolves.toBe(50);
    await page.getByTestId('external-load-more').click();
    await page.getByTestId('external-load-more').waitFor({ state: 'detached' });
    const shown = await rows.evaluateAll((list) => list.map((row) => row.getAttribute('data-run-id')));
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown).toEqual(expect.arrayContaining(created.map((run) => run.id)));
    expect(shown.length).toBeGreaterThan(50);
    await page.close();
  });

  it('names the ten Fashion-MNIST classes on an engine run, from its run_started', async () => {
    const created = await call<RunDto>('POST', '/runs', {
      name: 'fashion names',
      config: {
        model: { arch: 'plain', depth: 8, width: 4 },
        data: { dataset: 'fashion-mnist', trainSubset: 300, valSize: 100, testSubset: 100 },
        optim: { batchSize: 100 },
        epochs: 1,
      },
    });
    const run = await waitFor(
      'the run to succeed',
      async () => {
        const { body } = await api<RunDto>(stack, 'GET', `/runs/${created.id}`);
        if (body.status === 'failed') throw new Error(`run failed: ${body.failureReason}`);
        return body.status === 'succeeded' ? body : undefined;
      },
      180_000,
    );
    expect(run.classNames).toEqual(FASHION_MNIST_CLASSES);

    const page = await context.newPage();
    await page.goto(`${dashboardUrl}/runs/${created.id}`);
    await page.locator('[data-testid="class-name"]').first().waitFor();
    await expect(page.locator('[data-testid="class-name"]').allTextContents()).resolves.toEqual(FASHION_MNIST_CLASSES);
    await page.locator('[data-testid="confusion-chart"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'run-class-names.png'), fullPage: true });
    await page.close();
  }, 240_000);
});
