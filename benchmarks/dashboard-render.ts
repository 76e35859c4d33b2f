/**
 * Dashboard render benchmark, in the real stack and a real browser (Debian's Chromium):
 *
 *  1. the runs list (its first page) with 1,000 runs stored, against the same page with none (baseline);
 *  2. compare with 20 runs × 200 epochs, against compare with 2 runs × 200 epochs;
 *  3. live latency: from POST /runs/:id/events (as the worker holding the run)
 *     to the epoch drawn on the run page, p50/p95.
 *
 * Runs are created through the API; their 200 epochs of metrics are inserted with
 * SQL, because posting them through the ingest path would take minutes and the
 * pages under test only read them. Prints figures; never fails on a time.
 *
 *   DATABASE_URL=postgresql://reslab:reslab@127.0.0.1:55432/reslab npx tsx benchmarks/dashboard-render.ts
 */
import { type ClaimResponse, PAGE_LIMIT, PROTOCOL_VERSION, type RunDto } from '@reslab/contracts';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { signedInContext, startStackWithDashboard } from '../test/support/dashboard.js';
import { waitForHttp } from '../test/support/processes.js';
import { api, enrolTestWorker } from '../test/support/stack.js';

const RUNS = 1000;
const COMPARE_RUNS = 20;
const EPOCHS = 200;
const REPEATS = 5;
const LIVE_SAMPLES = 40;

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}
const ms = (v: number) => `${v.toFixed(0)} ms`;

/**
 * Navigation start to "rendered": the ready condition holds and two animation
 * frames have passed, so the browser has painted what the condition saw.
 */
async function renderTime(page: Page, url: string, ready: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(ready, undefined, { timeout: 60_000, polling: 'raf' });
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            performance.mark('reslab:rendered');
            resolve(performance.now());
          }),
        ),
      ),
  );
}

async function measure(page: Page, label: string, url: string, ready: string): Promise<number> {
  await renderTime(page, url, ready); // warm-up: compiles the route's server code and fills caches
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) times.push(await renderTime(page, url, ready));
  const m = median(times);
  console.log(`${label.padEnd(44)} median ${ms(m).padStart(8)}  (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
  return m;
}

async function main() {
  const t0 = Date.now();
  const {
    stack,
    dashboard: { url: dashboardUrl, process: dashboard },
  } = await startStackWithDashboard('reslab_bench_dash');
  const pool = new pg.Pool({ connectionString: stack.db.url, max: 4 });
  const browser = await launchChromium();
  try {
    // Seed: 1,000 runs through the API, 16 requests at a time.
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < RUNS) {
          const i = next++;
          const { status, body } = await api<RunDto>(stack, 'POST', '/runs', {
            name: `bench ${String(i).padStart(4, '0')}`,
            experiment: 'dashboard-bench',
            config: {
              model: { arch: i % 2 ? 'resnet' : 'plain', depth: [20, 32, 44, 56][i % 4] },
              data: { dataset: 'synthetic' },
              epochs: EPOCHS,
              seed: i % 3,
            },
          });
          if (status !== 201) throw new Error(`POST /runs answered ${status}: ${JSON.stringify(body)}`);
          ids.push(body.id);
        }
      }),
    );
    // The newest runs get metrics; the live test below claims the oldest queued run, which has none.
    const compareIds = ids.slice(-COMPARE_RUNS);
    const perClass = JSON.stringify(
      Array.from({ length: 10 }, () => ({ precision: 0.5, recall: 0.5, f1: 0.5, support: 100 })),
    );
    await pool.query(
      `INSERT INTO "EpochMetric" ("runId", epoch, split, loss, accuracy, precision, recall, f1, "perClass", lr, seconds)
       SELECT r.id, e, s::"Split", 2.3 * exp(-e / 60.0) + random() * 0.05, 1 - 0.9 * exp(-e / 50.0),
              0.8, 0.8, 0.8, $2::jsonb, 0.1, 1.0
       FROM unnest($1::uuid[]) AS r(id), generate_series(1, ${EPOCHS}) AS e, unnest(ARRAY['train', 'val']) AS s`,
      [compareIds, perClass],
    );
    await waitForHttp(`${dashboardUrl}/runs?status=cancelled`, 60_000);
    console.log(
      `seeded ${RUNS} runs and ${COMPARE_RUNS}×${EPOCHS} epochs in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    // Signed in as the admin, as a person is (the session cookie), so every page renders as it does for users.
    const context = await signedInContext(browser, stack.apiUrl, dashboardUrl, stack.admin, {
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    console.log('navigation start → rendered (two frames after the content is in the DOM / drawn):');
    const rowCount = (n: number) => `document.querySelectorAll('[data-testid="run-row"]').length === ${n}`;
    const base = await measure(
      page,
      'baseline: runs list, no runs (status filter)',
      `${dashboardUrl}/runs?status=cancelled`,
      `document.querySelector('[data-testid="runs-empty"]') !== null`,
    );
    // The list shows the API's first page (PAGE_LIMIT.default rows) and loads more on request.
    const list = await measure(
      page,
      `runs list, first ${PAGE_LIMIT.default} of ${RUNS} runs`,
      `${dashboardUrl}/runs`,
      rowCount(PAGE_LIMIT.default),
    );
    const points = (n: number) =>
      `Number(document.querySelector('[data-testid="compare-chart"]')?.getAttribute('data-points')) === ${n}`;
    const query = (n: number) =>
      compareIds
        .slice(0, n)
        .map((id) => `ids=${id}`)
        .join('&');
    const small = await measure(
      page,
      `baseline: compare, 2 runs × ${EPOCHS} epochs`,
      `${dashboardUrl}/compare?${query(2)}`,
      points(2 * EPOCHS),
    );
    const big = await measure(
      page,
      `compare, ${COMPARE_RUNS} runs × ${EPOCHS} epochs`,
      `${dashboardUrl}/compare?${query(COMPARE_RUNS)}`,
      points(COMPARE_RUNS * EPOCHS),
    );

    // Live latency: a fake worker holds one run and posts epochs; the browser notes when each is drawn.
    const worker = await enrolTestWorker(stack, 'bench-worker');
    const claim = (await api<ClaimResponse>(stack, 'POST', `/workers/${worker.id}/claim`, undefined, worker.as)).body;
    const runId = claim.assignment?.runId;
    if (!runId || compareIds.includes(runId)) throw new Error('the bench worker could not claim a run without metrics');
    await page.goto(`${dashboardUrl}/runs/${runId}`);
    await page.waitForSelector('[data-testid="stream-state"][data-state="live"]');
    // Drawn = the epoch counter changed and the next frame has painted the chart fed by the same state.
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { seen: Record<string, number> }).seen = seen;
      const el = document.querySelector('[data-testid="live-epochs"]');
      if (!el) throw new Error('no live epoch counter');
      new MutationObserver(() => {
        const n = el.getAttribute('data-epochs') ?? '';
        requestAnimationFrame(() => {
          seen[n] ??= Date.now();
        });
      }).observe(el, { attributes: true, attributeFilter: ['data-epochs'] });
    });
    const latencies: number[] = [];
    for (let epoch = 1; epoch <= LIVE_SAMPLES; epoch++) {
      const event = {
        v: PROTOCOL_VERSION,
        time: new Date().toISOString(),
        type: 'epoch_metric',
        epoch,
        split: 'train',
        loss: 2 / epoch,
        accuracy: 1 - 1 / (epoch + 1),
        precision: 0.5,
        recall: 0.5,
        f1: 0.5,
        perClass: [{ precision: 0.5, recall: 0.5, f1: 0.5, support: 10 }],
        lr: 0.1,
        seconds: 1,
      };
      const sent = Date.now();
      const res = await api(
        stack,
        'POST',
        `/runs/${runId}/events`,
        {
          workerId: worker.id,
          attempt: 1,
          seq: epoch + 1,
          events: [event],
        },
        worker.as,
      );
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
      const drawn = await page.waitForFunction(
        (n) => (window as unknown as { seen: Record<string, number> }).seen[String(n)],
        epoch,
        { timeout: 10_000, polling: 20 },
      );
      latencies.push(((await drawn.jsonValue()) as number) - sent);
      if (epoch % 10 === 0)
        await api(stack, 'POST', `/workers/${worker.id}/heartbeat`, { runs: [{ runId, attempt: 1 }] }, worker.as);
    }

    console.log(`\nlive update, ingest POST → epoch drawn on the run page (${LIVE_SAMPLES} epochs, one at a time):`);
    console.log(
      `p50 ${ms(quantile(latencies, 0.5))}, p95 ${ms(quantile(latencies, 0.95))}, max ${ms(Math.max(...latencies))}`,
    );
    console.log('\nsummary:');
    console.log(`runs list ${RUNS} runs: ${ms(list)} (baseline empty list ${ms(base)})`);
    console.log(`compare ${COMPARE_RUNS}×${EPOCHS}: ${ms(big)} (baseline 2×${EPOCHS}: ${ms(small)})`);
  } finally {
    await browser.close();
    await dashboard.stop();
    await pool.end();
    await stack.stop();
  }
}

await main();
