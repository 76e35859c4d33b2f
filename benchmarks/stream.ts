/**
 * Event-to-browser latency of the live stream, on the path users take:
 *
 *  - real path: the REAL engine (libs/engine under .venv/bin/python: ResNet-8 on a Fashion-MNIST subset, one
 *    torch thread) writes an `epoch_metric` line -> the worker forwards it at once (an epoch's metrics never
 *    wait for its batch timer, apps/worker/src/engine-run.ts) -> POST /runs/:id/events -> Postgres ->
 *    socket.io -> the dashboard's run page in headless Chromium draws the point. Timed from the `time` in the
 *    engine's line (its wall clock; benchmarks/engine_stdout_tap.py keeps a copy of its stdout) to the
 *    browser's Date.now() one animation frame after the run page's charts say they drew it (`data-drawn`),
 *    split at RunEvent.createdAt (when the orchestrator logged the event).
 *  - orchestrator path: the benchmark POSTs one epoch_metric as the worker holding a run, timed from just
 *    before the POST to the same page drawing it; the difference to the real path is the engine-to-worker hop.
 *  - baseline: a GET /health round trip on loopback.
 *
 * The three are interleaved round by round (orchestrator path and /health between real runs, /health also
 * while each real run trains). One machine, one wall clock; Date.now() has 1 ms resolution. Prints figures;
 * never fails on a time.
 *
 *   DATABASE_URL=postgresql://reslab:reslab@127.0.0.1:55432/reslab npx tsx benchmarks/stream.ts [rounds] [epochs]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ClaimResponse, EngineEvent, RunConfigInput, RunDto } from '@reslab/contracts';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { signedInContext, startStackWithDashboard } from '../test/support/dashboard.js';
import { requireFashionMnist } from '../test/support/datasets.js';
import { REPO_ROOT } from '../test/support/paths.js';
import { query } from '../test/support/postgres.js';
import { waitFor } from '../test/support/processes.js';
import { ENGINE_ENV, epochMetric, FINISHED, tinyConfig } from '../test/support/runs.js';
import { api, enrolTestWorker, type Stack } from '../test/support/stack.js';
import { spread, summary } from './figures.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const EPOCHS = Number(process.argv[3] ?? 8);

/** The real engine, with its stdout copied to <run dir>/engine-stdout.jsonl. */
const TAPPED_ENGINE = JSON.stringify([
  join(REPO_ROOT, '.venv', 'bin', 'python'),
  join(REPO_ROOT, 'benchmarks', 'engine_stdout_tap.py'),
]);

/** Short real epochs: a few hundred 14 px images (14 px costs about a quarter of 28 px), no grad-flow pass. */
const realConfig = (seed: number): RunConfigInput => ({
  model: { arch: 'resnet', depth: 8 },
  data: { dataset: 'fashion-mnist', trainSubset: 1000, valSize: 200, testSubset: 200, imageSize: 14 },
  optim: { lr: 0.05, batchSize: 100 },
  diagnostics: { gradFlowBatches: 0 },
  epochs: EPOCHS,
  seed,
});

/**
 * In every page, before its scripts: note when each `epoch:split` first appears in a `data-drawn` attribute,
 * one animation frame later (the frame that shows it), in window.__drawn.
 */
const OBSERVE_DRAWN = `
  window.__drawn = {};
  new MutationObserver((records) => {
    for (const r of records) {
      const fresh = (r.target.getAttribute('data-drawn') || '').split(' ').filter((k) => k && !(k in window.__drawn));
      if (fresh.length) requestAnimationFrame(() => { const t = Date.now(); for (const k of fresh) window.__drawn[k] ??= t; });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-drawn'] });
`;

const drawnSoFar = (page: Page) => page.evaluate(() => ({ ...(window as unknown as { __drawn: object }).__drawn }));

async function openLive(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('[data-testid="stream-state"][data-state="live"]', { timeout: 30_000 });
}

async function healthRoundTrip(stack: Stack): Promise<number> {
  const t0 = performance.now();
  await fetch(`${stack.apiUrl}/health`).then((r) => r.text());
  return performance.now() - t0;
}

/** The orchestrator path: one event at a time, POSTed as the holding worker, to the point drawn. */
async function orchestratorRound(
  stack: Stack,
  page: Page,
  held: { runId: string; worker: Awaited<ReturnType<typeof enrolTestWorker>> },
  round: number,
  health: number[],
): Promise<number[]> {
  const latencies: number[] = [];
  for (let e = 1; e <= EPOCHS; e++) {
    health.push(await healthRoundTrip(stack));
    const epoch = (round - 1) * EPOCHS + e;
    const sent = Date.now();
    const res = await api(
      stack,
      'POST',
      `/runs/${held.runId}/events`,
      { workerId: held.worker.id, attempt: 1, seq: epoch, events: [epochMetric(epoch, 'train', 1 / epoch)] },
      held.worker.as,
    );
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
    const drawn = await page.waitForFunction(
      (key) => (window as unknown as { __drawn: Record<string, number> }).__drawn[key],
      `${epoch}:train`,
      { timeout: 10_000, polling: 5 },
    );
    latencies.push(((await drawn.jsonValue()) as number) - sent);
  }
  return latencies;
}

/** The real path: one real run, watched on its page; /health sampled while it trains. */
async function realRound(
  stack: Stack,
  page: Page,
  dashboardUrl: string,
  round: number,
  health: number[],
): Promise<{ latencies: number[]; toLogged: number[]; loggedToDrawn: number[]; early: number; missing: number }> {
  const { status, body: run } = await api<RunDto>(stack, 'POST', '/runs', {
    name: `stream bench ${round}`,
    experiment: 'stream-bench',
    config: realConfig(round),
  });
  if (status !== 201) throw new Error(`POST /runs answered ${status}: ${JSON.stringify(run)}`);
  await openLive(page, `${dashboardUrl}/runs/${run.id}`);
  // Epochs drawn before the page was live came with its first view, not over the stream: left out.
  const before = new Set(Object.keys(await drawnSoFar(page)));
  let done: RunDto | undefined;
  while (!done) {
    health.push(await healthRoundTrip(stack));
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { body } = await api<RunDto>(stack, 'GET', `/runs/${run.id}`);
    if (FINISHED.includes(body.status)) done = body;
  }
  if (done.status !== 'succeeded') throw new Error(`run ${run.id} ${done.status}: ${done.failureReason}`);
  const printed = readFileSync(
    join(stack.workDir, 'artifacts', 'runs', run.id, 'attempt-1', 'engine-stdout.jsonl'),
    'utf8',
  )
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as EngineEvent)
    .filter((e) => e.type === 'epoch_metric');
  const keys = printed.map((e) => `${e.epoch}:${e.split}`);
  // The last line's point can land a moment after the run reads as finished.
  await waitFor(
    'every epoch drawn',
    async () => {
      const drawn = await drawnSoFar(page);
      return keys.every((k) => k in drawn) ? true : undefined;
    },
    10_000,
  ).catch(() => undefined);
  const drawn = (await drawnSoFar(page)) as Record<string, number>;
  // When the orchestrator logged each event (RunEvent.createdAt, set as the ingest transaction writes it, ms).
  const logged = new Map(
    (
      await query<{ key: string; at: string }>(
        stack.db.url,
        `SELECT (payload->>'epoch') || ':' || (payload->>'split') AS key,
                (extract(epoch FROM "createdAt") * 1000)::text AS at
         FROM "RunEvent" WHERE "runId" = $1 AND type = 'epoch_metric'`,
        [run.id],
      )
    ).map((r) => [r.key, Number(r.at)]),
  );
  const latencies: number[] = [];
  const toLogged: number[] = [];
  const loggedToDrawn: number[] = [];
  let early = 0;
  let missing = 0;
  for (const e of printed) {
    const key = `${e.epoch}:${e.split}`;
    const at = drawn[key];
    if (before.has(key)) early++;
    else if (at === undefined) missing++;
    else {
      latencies.push(at - Date.parse(e.time));
      const log = logged.get(key);
      if (log !== undefined) {
        toLogged.push(log - Date.parse(e.time));
        loggedToDrawn.push(at - log);
      }
    }
  }
  return { latencies, toLogged, loggedToDrawn, early, missing };
}

async function main() {
  requireFashionMnist();
  const { stack, dashboard } = await startStackWithDashboard('reslab_bench_stream', { leaseSeconds: 3600 });
  const browser = await launchChromium();
  try {
    // The orchestrator path's run is claimed by the benchmark before the real worker starts, so it stays held.
    const holder = await enrolTestWorker(stack, 'bench-holder');
    await api(stack, 'POST', '/runs', {
      name: 'orchestrator path',
      experiment: 'stream-bench',
      config: tinyConfig({ epochs: ROUNDS * EPOCHS }),
    });
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${holder.id}/claim`, undefined, holder.as);
    const heldRunId = claim.body.assignment?.runId;
    if (!heldRunId) throw new Error('the benchmark could not claim a run to hold');
    await stack.startWorker('bench-engine', {
      env: { ...ENGINE_ENV, RESLAB_ENGINE_COMMAND: TAPPED_ENGINE, LOG_LEVEL: 'warn' },
    });

    const context = await signedInContext(browser, stack.apiUrl, dashboard.url, stack.admin, {
      viewport: { width: 1280, height: 900 },
    });
    await context.addInitScript(OBSERVE_DRAWN);
    const page = await context.newPage();
    for (let i = 0; i < 20; i++) await healthRoundTrip(stack); // warm-up

    const load = () =>
      loadavg()
        .map((l) => l.toFixed(1))
        .join(', ');
    console.log(`load average at start (1, 5, 15 min): ${load()} on ${cpus().length} cores`);
    const real: number[][] = [];
    const toLogged: number[] = [];
    const loggedToDrawn: number[] = [];
    const direct: number[][] = [];
    const health: number[] = [];
    let early = 0;
    let missing = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      await openLive(page, `${dashboard.url}/runs/${heldRunId}`);
      direct.push(await orchestratorRound(stack, page, { runId: heldRunId, worker: holder }, round, health));
      const r = await realRound(stack, page, dashboard.url, round, health);
      real.push(r.latencies);
      toLogged.push(...r.toLogged);
      loggedToDrawn.push(...r.loggedToDrawn);
      early += r.early;
      missing += r.missing;
      console.log(
        `round ${round}: real engine ${summary(r.latencies)}; orchestrator path ${summary(direct.at(-1) ?? [])}`,
      );
    }

    const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1] as number;
    console.log(`\n${ROUNDS} rounds; each real run ResNet-8, Fashion-MNIST 14 px, ${EPOCHS} epochs, 1 torch thread:`);
    console.log(`REAL engine epoch_metric line -> point drawn in Chromium: ${summary(real.flat())}`);
    console.log(`  per-run p50: ${spread(real.map(p50), ' ms')}`);
    console.log(`  of which engine line -> event logged by the orchestrator: ${summary(toLogged)}`);
    console.log(`  and event logged -> point drawn:                          ${summary(loggedToDrawn)}`);
    console.log(`POST one event as the worker -> point drawn:            ${summary(direct.flat())}`);
    console.log(`  per-round p50: ${spread(direct.map(p50), ' ms')}`);
    console.log(`baseline: GET /health round trip on loopback:           ${summary(health)}`);
    console.log(`engine lines left out: ${early} drawn before the page was live, ${missing} never drawn`);
    console.log(`load average at the end: ${load()}`);
  } finally {
    await browser.close();
    await dashboard.process.stop();
    await stack.stop();
  }
}

await main();
