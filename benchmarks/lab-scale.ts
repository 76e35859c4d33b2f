/**
 * Pages at lab scale (issue 13), in the real stack and a real browser (Debian's Chromium):
 *
 *  1. the runs list with 10,000 runs: first paint, then scrolling to the end (every run loaded, the last drawn);
 *  2. a sweep page of 1,000 runs: its first paint (the runs table), and every training curve drawn (100 epochs
 *     each: 100,000 points, which the browser fetches after the first paint);
 *  3. compare with 50 runs × 100 epochs.
 *
 * Each against the same page with 10 runs (team `baseline` of the same database, signed in as its owner, so the
 * same orchestrator and dashboard serve both), interleaved round by round, one warm-up each. The database comes
 * from benchmarks/seed-lab.ts: made-up curves (no engine trained them) and an empty perClass per epoch; the
 * pages under test read neither more nor less because of that. Prints figures; never fails on a time.
 *
 *   DATABASE_URL=postgresql://reslab:reslab@127.0.0.1:55432/reslab npx tsx benchmarks/lab-scale.ts [--reuse] [--rounds 7]
 *
 * --reuse keeps a reslab_lab database from an earlier run instead of seeding it again (about 45 s).
 */
import { parseArgs } from 'node:util';
import type { RunPage, SweepDetailDto, SweepPage } from '@reslab/contracts';
import pg from 'pg';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { signedInContext, startStackWithDashboard } from '../test/support/dashboard.js';
import { ADMIN, api, signInWithKey } from '../test/support/stack.js';
import { spread } from './figures.js';
import { BASELINE_USER, LAB, seedLab } from './seed-lab.js';

const DATABASE = 'reslab_lab';
const COMPARE_RUNS = 50;
/** The goal of issue 13 for each page, ms. */
const GOAL_MS = 1000;

/**
 * Navigation start to "rendered": the ready condition holds and two animation frames have passed, so the
 * browser has painted what the condition saw (as benchmarks/dashboard-render.ts).
 */
async function renderTime(page: Page, url: string, ready: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(ready, undefined, { timeout: 120_000, polling: 'raf' });
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))),
      ),
  );
}

/**
 * On a runs list already painted: scrolls its table to the bottom every frame, as a person holding End would,
 * until every run is loaded and `lastId`'s row is drawn; ms from the first scroll.
 */
function scrollToEnd(page: Page, lastId: string): Promise<number> {
  // A string, not a function: tsx would wrap a named inner function in a helper the page does not have.
  return page.evaluate(`(async () => {
    const box = document.querySelector('[data-testid="runs-scroll"]');
    const loaded = document.querySelector('[data-testid="runs-loaded"]');
    const t0 = performance.now();
    while (loaded.dataset.complete !== 'true' || !document.querySelector('[data-run-id="${lastId}"]')) {
      if (performance.now() - t0 > 120000) throw new Error('the list did not reach its end in 2 minutes');
      box.scrollTop = box.scrollHeight;
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return performance.now() - t0;
  })()`) as Promise<number>;
}

interface Side {
  name: string;
  page: Page;
  runs: number;
  lastRunId: string;
  sweep: { id: string; runs: number };
  compareIds: string[];
}

async function side(
  name: string,
  context: BrowserContext,
  apiUrl: string,
  who: { email: string; password: string },
): Promise<Side> {
  const as = { token: await signInWithKey(apiUrl, who.email, who.password) };
  const stack = { apiUrl, admin: { ...ADMIN, apiKey: as.token } };
  const sweeps = (await api<SweepPage>(stack, 'GET', '/sweeps?limit=1000')).body.items;
  const count = (s: SweepPage['items'][number]) => Object.values(s.counts).reduce((n, c) => n + (c ?? 0), 0);
  const biggest = sweeps.reduce((a, b) => (count(b) > count(a) ? b : a));
  const detail = (await api<SweepDetailDto>(stack, 'GET', `/sweeps/${biggest.id}`)).body;
  let runs = 0;
  let lastRunId = '';
  let cursor: string | null = null;
  do {
    const page: RunPage = (await api<RunPage>(stack, 'GET', `/runs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`))
      .body;
    runs += page.items.length;
    lastRunId = page.items.at(-1)?.id ?? lastRunId;
    cursor = page.nextCursor;
  } while (cursor);
  return {
    name,
    page: await context.newPage(),
    runs,
    lastRunId,
    sweep: { id: biggest.id, runs: detail.runs.length },
    compareIds: detail.runs.slice(0, COMPARE_RUNS).map((r) => r.id),
  };
}

interface Figure {
  label: (s: Side) => string;
  measure: (s: Side, dashboardUrl: string) => Promise<number>;
}

const points = (testId: string, n: number) =>
  `Number(document.querySelector('[data-testid="${testId}"]')?.getAttribute('data-points')) === ${n}`;

const FIGURES: Figure[] = [
  {
    label: (s) => `runs list, first paint (${s.runs.toLocaleString('en')} runs)`,
    measure: (s, url) =>
      renderTime(s.page, `${url}/runs`, `document.querySelector('[data-testid="run-row"]') !== null`),
  },
  {
    label: (s) => `runs list, scroll to the end (${s.runs.toLocaleString('en')} runs)`,
    measure: async (s, url) => {
      await renderTime(s.page, `${url}/runs`, `document.querySelector('[data-testid="run-row"]') !== null`);
      return scrollToEnd(s.page, s.lastRunId);
    },
  },
  {
    label: (s) => `sweep page, first paint: its runs table (${s.sweep.runs} runs)`,
    measure: (s, url) =>
      renderTime(
        s.page,
        `${url}/sweeps/${s.sweep.id}`,
        `document.querySelector('[data-testid="sweep-run-row"]') !== null`,
      ),
  },
  {
    // The curves come from the browser after the first paint (GET /sweeps/:id/metrics): this waits for all of them.
    label: (s) => `sweep page, every curve drawn (${s.sweep.runs} runs × ${LAB.epochs} epochs)`,
    measure: (s, url) =>
      renderTime(s.page, `${url}/sweeps/${s.sweep.id}`, points('sweep-curves-chart', s.sweep.runs * LAB.epochs)),
  },
  {
    label: (s) => `compare (${s.compareIds.length} runs × ${LAB.epochs} epochs)`,
    measure: (s, url) =>
      renderTime(
        s.page,
        `${url}/compare?${s.compareIds.map((id) => `ids=${id}`).join('&')}`,
        points('compare-chart', s.compareIds.length * LAB.epochs),
      ),
  },
];

/** ms of one GET as `token`, the body read whole. */
async function timeGet(apiUrl: string, path: string, token: string): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return performance.now() - t0;
}

/**
 * What sorting by a final metric costs in Postgres, for the team's runs: the denormalized column (Run.finalVal*,
 * kept by a trigger) against the lateral alternative, each run's last val epoch looked up at query time.
 */
const SORT_SQL = {
  'column Run.finalValAccuracy': `SELECT id FROM "Run" WHERE "teamId" = $1
      ORDER BY "finalValAccuracy" DESC NULLS LAST, id DESC LIMIT 101`,
  'lateral join on EpochMetric': `SELECT r.id FROM "Run" r LEFT JOIN LATERAL (
        SELECT accuracy FROM "EpochMetric" m WHERE m."runId" = r.id AND m.split = 'val'
         ORDER BY m.epoch DESC LIMIT 1) f ON true
      WHERE r."teamId" = $1 ORDER BY f.accuracy DESC NULLS LAST, r.id DESC LIMIT 101`,
};

async function apiFigures(apiUrl: string, sides: { side: Side; token: string }[], databaseUrl: string, rounds: number) {
  const paths = (s: Side) => [
    ['GET /runs (first page, newest first)', '/runs?limit=100'],
    ['GET /runs?sort=valAccuracy', '/runs?limit=100&sort=valAccuracy'],
    ['GET /runs?arch=plain&depth=56,110&sort=valLoss', '/runs?limit=100&arch=plain&depth=56,110&sort=valLoss'],
    ['GET /runs?limit=1000 (full RunDtos)', '/runs?limit=1000'],
    ['GET /runs/rows?limit=1000 (one scroll page)', '/runs/rows?limit=1000'],
    ['GET /sweeps/:id (runs and finals)', `/sweeps/${s.sweep.id}`],
    [
      'GET /sweeps/:id/metrics?split=train&metric=accuracy',
      `/sweeps/${s.sweep.id}/metrics?split=train&metric=accuracy`,
    ],
    ['GET /runs/curves (50 runs, all splits and metrics)', `/runs/curves?ids=${s.compareIds.join(',')}`],
  ];
  console.log('API, one request as the browser makes it (loopback, body read whole):');
  const [first] = sides;
  for (const [i, [label]] of paths(first?.side as Side).entries()) {
    const times = new Map<string, number[]>();
    for (const { side, token } of sides) await timeGet(apiUrl, paths(side)[i]?.[1] as string, token);
    for (let round = 0; round < rounds; round++) {
      for (const { side, token } of round % 2 ? [...sides].reverse() : sides) {
        times.set(side.name, [
          ...(times.get(side.name) ?? []),
          await timeGet(apiUrl, paths(side)[i]?.[1] as string, token),
        ]);
      }
    }
    console.log(`  ${label}`);
    for (const { side } of sides)
      console.log(`    ${side.name.padEnd(9)} ${spread(times.get(side.name) ?? [], ' ms', 1)}`);
  }
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const {
      rows: [team],
    } = await db.query<{ id: string }>(`SELECT id FROM "Team" WHERE slug = 'lab'`);
    console.log('Postgres, the first page of 10,000 runs sorted by final val accuracy:');
    for (const [label, sql] of Object.entries(SORT_SQL)) {
      await db.query(sql, [team?.id]);
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const t0 = performance.now();
        await db.query(sql, [team?.id]);
        times.push(performance.now() - t0);
      }
      console.log(`  ${label.padEnd(30)} ${spread(times, ' ms', 1)}`);
    }
  } finally {
    await db.end();
  }
}

async function main() {
  const { values } = parseArgs({
    options: { reuse: { type: 'boolean', default: false }, rounds: { type: 'string', default: '7' } },
  });
  const rounds = Number(values.rounds);
  const server = process.env.DATABASE_URL;
  if (!server) throw new Error('DATABASE_URL must name the Postgres server');
  const url = new URL(server);
  url.pathname = `/${DATABASE}`;
  if (!values.reuse) {
    const t0 = Date.now();
    await seedLab(server, DATABASE, () => {});
    console.log(`seeded ${DATABASE} in ${((Date.now() - t0) / 1000).toFixed(0)} s (benchmarks/seed-lab.ts)`);
  }
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  const { rows } = await db.query<{ runs: string; metrics: string }>(
    `SELECT (SELECT count(*) FROM "Run") AS runs, (SELECT count(*) FROM "EpochMetric") AS metrics`,
  );
  await db.end();
  console.log(`database: ${rows[0]?.runs} runs, ${rows[0]?.metrics} epoch metrics (made-up curves, perClass empty)`);

  const { stack, dashboard } = await startStackWithDashboard('reslab_lab', { databaseUrl: url.toString() });
  const browser = await launchChromium();
  try {
    const lab = await side(
      'lab',
      await signedInContext(browser, stack.apiUrl, dashboard.url, ADMIN),
      stack.apiUrl,
      ADMIN,
    );
    const base = await side(
      'baseline',
      await signedInContext(browser, stack.apiUrl, dashboard.url, BASELINE_USER),
      stack.apiUrl,
      BASELINE_USER,
    );
    await apiFigures(
      stack.apiUrl,
      [
        { side: base, token: await signInWithKey(stack.apiUrl, BASELINE_USER.email, BASELINE_USER.password) },
        { side: lab, token: stack.admin.apiKey },
      ],
      url.toString(),
      rounds,
    );
    console.log(
      `navigation start → rendered (two frames after the rows or every chart point are in the DOM); ${rounds} rounds, ` +
        'baseline and lab interleaved, after one warm-up each',
    );
    const times = new Map<string, number[]>();
    for (const figure of FIGURES) for (const s of [base, lab]) await figure.measure(s, dashboard.url);
    for (let round = 0; round < rounds; round++) {
      for (const [f, figure] of FIGURES.entries()) {
        // Alternate which side goes first, so neither always gets the warmer cache.
        for (const s of round % 2 ? [lab, base] : [base, lab]) {
          const key = `${f}:${s.name}`;
          times.set(key, [...(times.get(key) ?? []), await figure.measure(s, dashboard.url)]);
        }
      }
    }
    for (const [f, figure] of FIGURES.entries()) {
      const baseTimes = times.get(`${f}:baseline`) ?? [];
      const labTimes = times.get(`${f}:lab`) ?? [];
      const median = [...labTimes].sort((a, b) => a - b)[Math.floor(labTimes.length / 2)] ?? Number.NaN;
      const verdict =
        median < GOAL_MS ? 'under the 1 s goal' : `MISSES the 1 s goal by ${(median - GOAL_MS).toFixed(0)} ms`;
      console.log(`${figure.label(lab)}`);
      console.log(`  lab       ${spread(labTimes, ' ms', 0)}  → ${verdict}`);
      console.log(`  baseline  ${spread(baseTimes, ' ms', 0)}  (${figure.label(base)})`);
    }
  } finally {
    await browser.close();
    await dashboard.process.stop();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
