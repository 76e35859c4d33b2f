import { join } from 'node:path';
import type { RunPage, SweepDetailDto } from '@reslab/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { query } from '../support/postgres.js';
import type { ManagedProcess } from '../support/processes.js';
import { tinyConfig } from '../support/runs.js';
import { api, type Stack } from '../support/stack.js';

/** More than the first page (100) and than one scroll page, so both the server's page and the scroll's load. */
const RUNS = 1200;

/** The run ids the API lists for `q`, every page. */
async function apiIds(stack: Stack, q: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page: RunPage = (
      await api<RunPage>(stack, 'GET', `/runs?limit=1000&${q}${cursor ? `&cursor=${cursor}` : ''}`)
    ).body;
    ids.push(...page.items.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

const rowIds = (page: Page) =>
  page.locator('[data-testid="run-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));

/** Scrolls the runs table to its end until every run is loaded and the last one is drawn. */
async function scrollToEnd(page: Page, total: number): Promise<void> {
  const box = page.getByTestId('runs-scroll');
  for (let i = 0; i < 200; i++) {
    await box.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    const loaded = page.getByTestId('runs-loaded');
    if (
      (await loaded.getAttribute('data-complete')) === 'true' &&
      Number(await loaded.getAttribute('data-count')) === total
    ) {
      await box.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      return;
    }
    await page.waitForTimeout(100);
  }
  throw new Error('the runs list never finished loading');
}

describe('the runs list filters, sorts and renders only a window of rows (real browser, real stack)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_dash_list'));
    const sweep = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'many',
      base: tinyConfig(),
      grid: {
        'model.arch': ['plain', 'resnet'],
        'model.depth': [8, 14, 20],
        seed: Array.from({ length: RUNS / 6 }, (_, i) => i),
      },
    });
    expect(sweep.status).toBe(201);
    // A final val epoch for every run (the trigger fills Run.finalVal*), so the list can sort by it.
    await query(
      stack.db.url,
      `INSERT INTO "EpochMetric" ("runId", epoch, split, loss, accuracy, precision, recall, f1, "perClass", lr, seconds)
       SELECT id, 1, 'val', 1, random(), 0.5, 0.5, 0.5, '[]', 0.1, 1 FROM "Run"`,
    );
    browser = await launchChromium();
    const context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin);
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('keeps a window of rows in the DOM, and loads every run as the table is scrolled to its end', async () => {
    await page.goto(`${dashboardUrl}/runs`);
    await page.getByTestId('run-row').first().waitFor();
    const first = await rowIds(page);
    expect(first.length, 'rows in the DOM').toBeGreaterThan(5);
    expect(first.length, 'rows in the DOM').toBeLessThan(80);
    expect(first).toEqual((await apiIds(stack, '')).slice(0, first.length));
    await expect(page.getByTestId('runs-loaded').getAttribute('data-count')).resolves.toBe('100');

    await scrollToEnd(page, RUNS);
    await page.waitForFunction(
      (id) => document.querySelector(`[data-run-id="${id}"]`) !== null,
      (await apiIds(stack, '')).at(-1),
    );
    const atEnd = await rowIds(page);
    expect(atEnd.length, 'still a window at the end').toBeLessThan(80);
    expect(atEnd).not.toContain(first[0]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'runs-virtual-end.png') });
  });

  it('filters by family and depth and sorts by final val accuracy through the form, as the API does', async () => {
    await page.goto(`${dashboardUrl}/runs`);
    const form = page.getByTestId('runs-filter');
    await form.getByLabel('plain').check();
    await form.getByLabel('Depth').fill('8,20');
    await form.getByLabel('Sort').selectOption('valAccuracy');
    await form.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'valAccuracy');
    const url = new URL(page.url());
    expect(url.searchParams.get('arch')).toBe('plain');
    expect(url.searchParams.get('depth')).toBe('8,20');
    // The unfiltered list stays on the page until the filtered one replaces it: wait for the new order's caption,
    // then, after the last scroll, for the last run to be drawn, since the virtual window follows the scroll a
    // frame later (reading the rows before that gave the window one scroll short of the end).
    await page.getByTestId('runs-order').filter({ hasText: 'by final val accuracy, highest first' }).waitFor();
    await page.getByTestId('run-row').first().waitFor();

    const expected = await apiIds(stack, 'arch=plain&depth=8,20&sort=valAccuracy');
    expect(expected).toHaveLength(RUNS / 3);
    await scrollToEnd(page, expected.length);
    await page.waitForFunction((id) => document.querySelector(`[data-run-id="${id}"]`) !== null, expected.at(-1));
    await expect(page.getByTestId('runs-order').textContent()).resolves.toBe('by final val accuracy, highest first');
    const shown = await rowIds(page);
    expect(shown.length).toBeLessThan(80);
    expect(expected.slice(-shown.length)).toEqual(shown);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'runs-filtered.png') });
  });

  it('filters by several statuses, and names a filter value it cannot use', async () => {
    await query(stack.db.url, `UPDATE "Run" SET status = 'failed' WHERE id IN (SELECT id FROM "Run" LIMIT 3)`);
    await page.goto(`${dashboardUrl}/runs?status=failed&status=cancelled`);
    await page.getByTestId('run-row').first().waitFor();
    const shown = await rowIds(page);
    expect(shown.sort()).toEqual((await apiIds(stack, 'status=failed,cancelled')).sort());
    expect(shown).toHaveLength(3);

    await page.goto(`${dashboardUrl}/runs?depth=deep&arch=plain`);
    await expect(page.getByTestId('runs-bad-filter').textContent()).resolves.toMatch(/depth “deep”/);
    await expect(page.getByTestId('runs-loaded').getAttribute('data-count')).resolves.toBe('100');
  });
});
