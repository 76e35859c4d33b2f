// Submits the demo sweep through the orchestrator's API and prints each epoch as it lands, then the depth
// plot's numbers: final errors as mean ± std over seeds, and what they show.
//
// The recipe is the contracts' degradation template (degradationTemplate() in libs/contracts/src/sweeps.ts,
// which GET /sweeps/templates and the launch page offer too), with the demo's overrides only: its name, and depths
// 20 and 56 with 2 seeds (8 runs), so it fits about 12 minutes on 2 cores. Why this recipe shows He et al. 2016
// Fig. 6 on a CPU, and what else was tried: docs/degradation-study.md.
//
// Idempotent: when the sweep exists already, it is followed (its failed or cancelled runs retried), not
// submitted again. Through an outage (orchestrator stopped, database down) it keeps retrying and says so
// once per change; only the sweep finishing, a 4xx, or Ctrl-C ends it.
import {
  degradationTemplate,
  degradationVerdict,
  describeRecipe,
  EpochMetricDto,
  expandSweep,
  finalErrors,
  iterationBudget,
  OutageNotices,
  outageState,
  requestJson,
  retryTransient,
  SweepDetailDto,
  SweepPage,
  SweepSpec,
  verdictSentences,
} from '@reslab/contracts';
import { z } from 'zod';

const api = process.argv[2] ?? 'http://127.0.0.1:4000';
const template = degradationTemplate();
// The name carries the recipe, read off the template: an older demo's sweep (another recipe) is left alone, not
// followed.
const recipe = expandSweep(SweepSpec.parse(template));
if (!recipe.ok) throw new Error(`the degradation template is not a valid sweep: ${JSON.stringify(recipe.issues)}`);
const { data } = recipe.runs[0].config;
const NAME = `demo: plain vs residual on ${data.dataset}, ${data.imageSize} px, ${iterationBudget(recipe.runs[0].config)?.iterations.toLocaleString('en-US')} iterations`;
const SPEC = {
  ...template,
  name: NAME,
  experiment: 'demo',
  grid: { 'model.depth': [56, 20], 'model.arch': ['resnet', 'plain'], seed: [0, 1] }, // the long runs first: less idle tail
};

const outages = new OutageNotices((line) => console.log(`[demo] ${line}`));
/** Retries `work` through unreachable and 5xx answers until it succeeds; a 4xx is thrown. */
const patiently = (work) =>
  retryTransient(work, {
    tries: Number.POSITIVE_INFINITY,
    onRetry: (error, delayMs) => outages.failed(outageState(error.status), delayMs),
    onSuccess: () => outages.recovered(),
  });
// The demo admin's key (infra/demo/credentials.mjs), as any API client presents one.
const token = process.env.RESLAB_API_KEY;
const call = (method, path, schema = z.unknown(), body = undefined) =>
  requestJson(api, method, path, { schema, body, token });
const get = (path, schema) => patiently(() => call('GET', path, schema));

/** Finds the demo's sweep or submits it. Safe to repeat after a failure: a sweep once stored is found by name. */
async function findOrSubmit() {
  let existing;
  // GET /sweeps answers a page at a time, newest first: older pages only when the demo's sweep is not newer.
  for (let cursor = null, first = true; !existing && (first || cursor); first = false) {
    const page = await call('GET', `/sweeps?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, SweepPage);
    existing = page.items.find((s) => s.name === NAME);
    cursor = page.nextCursor;
  }
  if (!existing) return { existing, sweep: await call('POST', '/sweeps', SweepDetailDto, SPEC) };
  // A run stopped by an earlier Ctrl-C resumes from its checkpoint.
  if (existing.counts.failed || existing.counts.cancelled) {
    return { existing, sweep: await call('POST', `/sweeps/${existing.id}/retry`, SweepDetailDto) };
  }
  return { existing, sweep: await call('GET', `/sweeps/${existing.id}`, SweepDetailDto) };
}

const { existing, sweep } = await patiently(findOrSubmit).catch((error) => {
  console.error(`[demo] ${error.message}`);
  process.exit(1);
});
console.log(`[demo] ${existing ? 'following' : 'submitted'} sweep ${sweep.id} (${sweep.runs.length} runs)`);
if (sweep.runs[0]) console.log(`[demo] recipe: ${describeRecipe(sweep.runs[0].config)}`);

const printed = new Set();
const pct = (x) => `${(100 * x).toFixed(1)}%`;
let current = sweep;
for (;;) {
  current = await get(`/sweeps/${sweep.id}`, SweepDetailDto);
  for (const run of current.runs) {
    for (const m of await get(`/runs/${run.id}/metrics`, EpochMetricDto.array())) {
      const key = `${run.id}:${m.epoch}:${m.split}`;
      if (printed.has(key) || m.split === 'val') continue;
      printed.add(key);
      console.log(
        `[demo] ${run.name.padEnd(15)} epoch ${String(m.epoch).padStart(2)} ${m.split.padEnd(5)} error ${pct(1 - m.accuracy).padStart(6)}  loss ${m.loss.toFixed(3)}  (${m.seconds.toFixed(0)} s)`,
      );
    }
    const statusKey = `${run.id}:${run.status}`;
    if (!printed.has(statusKey) && !['queued', 'running'].includes(run.status)) {
      printed.add(statusKey);
      console.log(`[demo] ${run.name} ${run.status}${run.failureReason ? `: ${run.failureReason}` : ''}`);
    }
  }
  if (!current.counts.queued && !current.counts.running) break;
  await new Promise((r) => setTimeout(r, 3000));
}

const { split, train, rows } = finalErrors(current.runs);
console.log(`[demo] final error, mean ± std over seeds (train: last epoch; ${split}: final weights, once):`);
for (const { train: p, held: h } of rows) {
  const fmt = (x) => (x ? `${x.mean.toFixed(1)}% ± ${x.std.toFixed(1)}` : '-');
  console.log(
    `[demo]   ${`${p.arch}-${p.depth}`.padEnd(10)} train ${fmt(p).padEnd(14)} ${split} ${fmt(h)}  (${p.n} runs)`,
  );
}
const verdict = degradationVerdict(train);
if (verdict) for (const line of verdictSentences(verdict, train)) console.log(`[demo] ${line}`);
console.log(`[demo] sweep finished: see the depth plot at the dashboard's sweep page. Ctrl-C stops everything.`);
const twins = sweep.runs.filter((r) => r.config.model.depth === 56 && r.config.seed === 0);
if (twins.length) {
  // The course's other claims, tested on these runs (docs/analyses.md): from a run page's Analyses, or the CLI.
  console.log('[demo] analyse the depth-56 twins: a lesion study, a loss landscape and the curvature of each, e.g.');
  for (const run of twins) {
    console.log(`[demo]   node apps/cli/dist/main.js analyze ${run.id} --kind curvature --wait   # ${run.name}`);
  }
}
