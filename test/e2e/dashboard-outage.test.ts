import { join } from 'node:path';
import type { RunDto } from '@reslab/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { type ManagedProcess } from '../support/processes.js';
import { tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack } from '../support/stack.js';

const banner = (page: Page) => page.getByTestId('stream-state');

describe('dashboard through an orchestrator outage (FAKE engine; real orchestrator, Postgres, Next.js, Chromium)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_doutage'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('shows the banner while the orchestrator is down, then reconnects and keeps drawing epochs without a reload', async () => {
    const epochs = 3;
    // No worker yet: the run stays queued until the orchestrator is back, so every epoch arrives after the outage.
    const created = await api<RunDto>(stack, 'POST', '/runs', {
      experiment: 'outage',
      name: 'dashboard outage',
      config: tinyConfig({ epochs }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const runUrl = `${dashboardUrl}/runs/${created.body.id}`;

    // Signed in before the outage (signing in needs the orchestrator); both pages share the session cookie.
    const context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin);
    const live = await context.newPage();
    await live.goto(runUrl);
    await banner(live).and(live.locator('[data-state="live"]')).waitFor();
    await live.evaluate(() => {
      (window as unknown as { liveMarker: number }).liveMarker = 1;
    });

    await stack.stopOrchestrator();
    await banner(live).getByText('Orchestrator unreachable — retrying').waitFor({ timeout: 30_000 });
    await expect(banner(live).getAttribute('role')).resolves.toBe('status');
    // A page opened during the outage waits it out instead of staying on an error.
    const opened = await context.newPage();
    await opened.goto(runUrl);
    await banner(opened)
      .getByText(/Orchestrator unreachable — retrying in \d+ s/)
      .waitFor();
    await live.screenshot({ path: join(ARTIFACTS_DIR, 'outage-banner.png') });

    await stack.startOrchestrator();
    await stack.startWorker('doutage-worker', { env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND } });

    await banner(live).and(live.locator('[data-state="live"]')).waitFor({ timeout: 60_000 });
    await expect(banner(live).textContent()).resolves.toContain('Reconnected');
    // Re-subscribed: the epochs trained after the restart arrive on the same page, never reloaded.
    await live.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="live-epochs"]')?.getAttribute('data-epochs')) === n,
      epochs,
      { timeout: 60_000 },
    );
    await expect(live.evaluate(() => (window as unknown as { liveMarker?: number }).liveMarker)).resolves.toBe(1);

    await opened.getByRole('heading', { name: 'dashboard outage' }).waitFor({ timeout: 60_000 });
    await banner(opened).and(opened.locator('[data-state="live"]')).waitFor();
  });
});
