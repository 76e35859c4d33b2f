import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import type { SweepDetailDto } from '@reslab/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium } from '../support/browser.js';
import { signedInContext, startStackWithDashboard } from '../support/dashboard.js';
import { REPO_ROOT } from '../support/paths.js';
import type { ManagedProcess } from '../support/processes.js';
import { sweepFinished, tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack } from '../support/stack.js';

type Tree = { [key: string]: string | Tree };

/** A locale's catalogues, `<namespace>.json` each, as apps/dashboard/messages/index.ts gathers them. */
function catalogue(locale: 'en' | 'ko'): Tree {
  const dir = join(REPO_ROOT, 'apps', 'dashboard', 'messages', locale);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8')) as Tree]),
  );
}

/**
 * English the Korean page must not show: every catalogue message's literal text (the parts between its
 * arguments) that differs from the Korean, at least one word of three letters. `F1` or `resnet56, seed1…` read
 * the same in both languages and are left out.
 */
function englishPhrases(): string[] {
  const literals = (elements: MessageFormatElement[]): string[] =>
    elements.flatMap((el) => {
      if (el.type === TYPE.literal) return [el.value];
      if (el.type === TYPE.tag) return literals(el.children);
      if (el.type === TYPE.select || el.type === TYPE.plural) {
        return Object.values(el.options).flatMap((o) => literals(o.value));
      }
      return [];
    });
  const walk = (en: Tree, ko: Tree): string[] =>
    Object.entries(en).flatMap(([key, value]) => {
      const other = ko[key];
      if (typeof value !== 'string') return walk(value, other as Tree);
      if (value === other) return [];
      return literals(parse(value))
        .flatMap((text) => text.split(/[(){}:;,.!?…“”]/))
        .map((s) => s.trim())
        .filter((s) => /[A-Za-z]{3,}/.test(s));
    });
  const [en, ko] = [catalogue('en'), catalogue('ko')];
  const found = walk(en, ko);
  // Names the Korean text keeps too: citations (Veit et al), paths (docs/course.md), code (reslab), nets (plain-20).
  const korean = JSON.stringify(ko);
  return [...new Set(found)].filter((s) => !korean.includes(s));
}

/** Visible text and accessible names: what a reader or a screen reader gets. */
async function shownText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const names = [...document.querySelectorAll('[aria-label],[placeholder],[title]')].map((el) =>
      ['aria-label', 'placeholder', 'title'].map((a) => el.getAttribute(a) ?? '').join(' '),
    );
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, without a closed <details>' JSON.
    return `${document.body.innerText}\n${names.join('\n')}`;
  });
}

describe('the dashboard in Korean: a sweep page for a ko-KR browser, and the switch to English (real stack, FAKE engine)', () => {
  let stack: Stack;
  let dashboard: ManagedProcess;
  let dashboardUrl: string;
  let browser: Browser;
  let page: Page;
  let sweep: SweepDetailDto;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ({
      stack,
      dashboard: { url: dashboardUrl, process: dashboard },
    } = await startStackWithDashboard('reslab_dko'));
    // The FAKE engine: the page's words are under test, not the training.
    await stack.startWorker('dko-worker', { env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND } });
    const created = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'ko-sweep',
      base: tinyConfig({ epochs: 2 }),
      grid: { 'model.arch': ['plain', 'resnet'], 'model.depth': [8, 14] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await sweepFinished(stack, created.body.id, 120_000);
    sweep = (await api<SweepDetailDto>(stack, 'GET', `/sweeps/${created.body.id}`)).body;
    browser = await launchChromium();
    // locale: the browser's language, sent as Accept-Language: ko-KR.
    const context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin, {
      locale: 'ko-KR',
      viewport: { width: 1400, height: 1000 },
    });
    page = await context.newPage();
    // Dates and numbers are formatted on the server and again in the browser: the two must agree (React says
    // so on the console when a hydrated text differs).
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 240_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) {
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'sweep-ko-failed.png'), fullPage: true }).catch(() => {});
    }
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.stop();
  });

  it('renders the sweep page in Korean from Accept-Language, with no English word of the catalogue left', async () => {
    await page.goto(`${dashboardUrl}/sweeps/${sweep.id}`);
    await page.getByTestId('depth-chart').waitFor();
    await page.getByTestId('degradation-verdict').waitFor();
    await page.getByTestId('sweep-analyses-empty').waitFor();
    await page.locator('[data-testid="stream-state"][data-state="live"]').waitFor();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ko');

    await expect(page.locator('#depth-heading').textContent()).resolves.toBe('깊이에 따른 오차');
    await expect(page.locator('#sweep-curves-heading').textContent()).resolves.toBe('모든 실행의 학습 오차');
    await expect(
      page.getByRole('navigation', { name: '주 메뉴' }).getByRole('link', { name: '스윕', exact: true }).count(),
    ).resolves.toBe(1);
    await expect(page.getByTestId('sweep-recipe').textContent()).resolves.toContain('학습 설정.');
    // The legend (drawn on the canvas) names the errors in Korean too.
    const series = JSON.parse((await page.getByTestId('depth-chart').getAttribute('data-series')) ?? '[]') as {
      name: string;
    }[];
    expect(series.map((s) => s.name)).toContain('plain · 학습 오차');
    await expect(page.getByTestId('degradation-verdict').textContent()).resolves.toMatch(/plain-14|뚜렷한|성능 저하/);
    await expect(page.getByTestId('seed-table').getAttribute('aria-label')).resolves.toBe(
      '네트워크별 최종 오차, 시드 평균 ± 표준편차',
    );
    await expect(page.locator('[data-testid="sweep-run-row"] [data-status]').first().textContent()).resolves.toMatch(
      /성공/,
    );

    // The data on the page is the user's, not the catalogue's: their e-mail, the sweep's name.
    const text = (await shownText(page)).replaceAll(stack.admin.email, '').replaceAll(sweep.name, '');
    const left = englishPhrases().filter((phrase) =>
      new RegExp(`(^|[^A-Za-z])${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`).test(text),
    );
    expect(left).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'sweep-ko.png'), fullPage: true });
    expect(consoleErrors.filter((e) => /hydrat|did not match/i.test(e))).toEqual([]);
  });

  it('formats a date and a number for Korean', async () => {
    // A finished run's time, as Intl writes it in Korean: `2026. 11. 30. 06시 4분 36초 UTC` (minutes unpadded).
    const finished = page.locator('[data-testid="sweep-run-row"] td.reason').first();
    await expect(finished.textContent()).resolves.toMatch(
      /^\d{4}\. \d{1,2}\. \d{1,2}\. \d{1,2}시 \d{1,2}분 \d{1,2}초 UTC$/,
    );
    // A count with Korean units from the catalogue and the formatter: "실행 4개 중 4개".
    await expect(page.getByText(`실행 ${sweep.runs.length}개 중 ${sweep.runs.length}개`).count()).resolves.toBe(1);
    // A duration in Korean units on a run's page: `0초`, `3분 07초`.
    const run = sweep.runs[0] as SweepDetailDto['runs'][number];
    await page.goto(`${dashboardUrl}/runs/${run.id}`);
    const duration = page.locator('[data-testid="run-summary"] div', { hasText: '소요 시간' }).locator('dd');
    await expect(duration.textContent()).resolves.toMatch(/^(\d+시간 )?(\d+분 )?\d+초$|^\d+시간 \d+분$|^\d+분 \d+초$/);
    await expect(page.locator('#gradflow-heading').textContent()).resolves.toBe('기울기 흐름');
    expect(consoleErrors.filter((e) => /hydrat|did not match/i.test(e))).toEqual([]);
  });

  it('draws a chart’s tooltip and legend in Korean, and words the launch form’s issues in Korean', async () => {
    await page.goto(`${dashboardUrl}/sweeps/${sweep.id}`);
    const depth = page.getByTestId('depth-chart');
    await depth.waitFor();
    // The depth plot's points sit at depth 8 and 14, the ends of its x axis (the grid's left and right edges:
    // lib/chart-options grid, 64 px and 32 px in): sweep those two columns until a point's tooltip shows.
    const box = await depth.boundingBox();
    if (!box) throw new Error('the depth chart has no box');
    let tooltip = '';
    for (const x of [box.x + 64, box.x + box.width - 32]) {
      for (let y = box.y + 40; y < box.y + box.height - 56 && !tooltip; y += 2) {
        await page.mouse.move(x, y);
        const text = await depth.innerText();
        if (/깊이 \d+:/.test(text)) tooltip = text;
      }
      if (tooltip) break;
    }
    expect(tooltip).toMatch(/· (학습|테스트|검증) 오차\n?\s*깊이 (8|14): \d+\.\d\d% ± \d+\.\d\d \(시드 1개\)/);
    expect(tooltip).not.toMatch(/\bdepth\b|\bseeds?\b/);

    await page.goto(`${dashboardUrl}/launch`);
    // An unnamed sweep fails the schema before its runs are expanded, where a momentum's range is checked.
    await page.locator('input[name="name"]').fill('ko-launch');
    const momentum = page.locator('input[name="momentum"]');
    await momentum.fill('2');
    const error = page.locator('.field-error', { hasText: '모멘텀' });
    await expect(error.textContent()).resolves.toMatch(/^모멘텀은 0 이상 1 이하입니다 \(조합 model\.arch=\w+/);
    await momentum.fill('fast');
    await expect(page.locator('.field-error', { hasText: '숫자가' }).textContent()).resolves.toBe(
      '“fast”은(는) 숫자가 아닙니다',
    );
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'launch-ko-issues.png'), fullPage: true });
  });

  it('switches to English from the header, and keeps the choice over Accept-Language', async () => {
    await page.goto(`${dashboardUrl}/sweeps/${sweep.id}`);
    await page.getByTestId('depth-chart').waitFor();
    await page.getByTestId('language-switcher').selectOption('en');
    await page.locator('html[lang="en"]').waitFor({ timeout: 20_000 });
    await page.getByRole('heading', { name: 'Error against depth' }).waitFor();
    await expect(
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sweeps', exact: true }).count(),
    ).resolves.toBe(1);
    await expect(page.getByTestId('sweep-recipe').textContent()).resolves.toContain('Recipe.');
    const cookies = await page.context().cookies(dashboardUrl);
    expect(cookies.find((c) => c.name === 'NEXT_LOCALE')?.value).toBe('en');

    // The browser still asks for Korean; the cookie wins on the next load.
    await page.reload();
    await page.getByTestId('depth-chart').waitFor();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    await expect(page.locator('#depth-heading').textContent()).resolves.toBe('Error against depth');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'sweep-en-switched.png'), fullPage: true });

    // And back: the switcher offers 한국어 by its own name.
    await page.getByTestId('language-switcher').selectOption('ko');
    await page.locator('html[lang="ko"]').waitFor({ timeout: 20_000 });
    await expect(page.locator('#depth-heading').textContent()).resolves.toBe('깊이에 따른 오차');
  });

  it('shows the sign-in page in Korean to a signed-out Korean browser', async () => {
    const context = await browser.newContext({ locale: 'ko-KR' });
    try {
      const login = await context.newPage();
      await login.goto(`${dashboardUrl}/runs`);
      await login.waitForURL(/\/login/);
      await expect(login.locator('html').getAttribute('lang')).resolves.toBe('ko');
      await expect(login.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('ResLab에 로그인');
      await expect(login.getByLabel('비밀번호').count()).resolves.toBe(1);
    } finally {
      await context.close();
    }
  });
});
