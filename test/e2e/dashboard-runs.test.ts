import { join } from 'node:path';
import type { RunDto } from '@reslab/contracts';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { type ManagedProcess, waitFor } from '../support/processes.js';
import { api, type Stack } from '../support/stack.js';

describe('dashboard lists runs from the API (real browser, real stack)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_dash'));
    await stack.startWorker('dash-worker');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('shows a finished run in the list and its epoch metrics on the run page', async () => {
    const created = await api<RunDto>(stack, 'POST', '/runs', {
      name: 'dashboard smoke',
      config: { model: { arch: 'plain', depth: 8 }, data: { dataset: 'synthetic', valSize: 200 }, epochs: 1 },
    });
    const id = created.body.id;
    await waitFor(
      'the run to succeed',
      async () => ((await api<RunDto>(stack, 'GET', `/runs/${id}`)).body.status === 'succeeded' ? true : undefined),
      180_000,
    );

    // Signed in with the cookie the login page would set (dashboard-pages signs in through the form).
    const context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin);
    const page = await context.newPage();
    await page.goto(`${dashboardUrl}/runs`);
    const row = page.locator(`[data-testid="run-row"][data-status="succeeded"]`);
    await expect(row.count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toMatch(/dashboard smoke/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'runs.png'), fullPage: true });

    await row.getByRole('link').first().click();
    await page.waitForURL(`**/runs/${id}`);
    // One epoch: train and val rows, then the final test row.
    await expect(page.locator('[data-testid="metric-row"]').count()).resolves.toBe(3);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'run.png'), fullPage: true });
  });
});
