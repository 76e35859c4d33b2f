// Submits the demo sweep (plain vs residual, depth 20 and 56, on Fashion-MNIST)
// through the orchestrator's API and prints each epoch as it lands.
//
// The recipe is the course's measurement (COURSE.md, "A measurement to build
// the demo on"): CIFAR-style option-A nets, first 20k training images, 2
// epochs, SGD lr 0.1, momentum 0.9, weight decay 1e-4, batch 128, seed 0.
// There, plain-56 trained far worse than plain-20 while resnet-56 trained:
// the degradation problem of He et al. 2016 (Fig. 1 and 6).
//
// Idempotent: when the sweep exists already, it is followed (its failed or cancelled runs retried), not
// submitted again.
const api = process.argv[2] ?? 'http://127.0.0.1:4000';
const SWEEP = {
  name: 'demo: plain vs residual on Fashion-MNIST',
  experiment: 'demo',
  base: {
    data: { dataset: 'fashion-mnist', trainSubset: 20000, valSize: 2000 },
    optim: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 128 },
    epochs: 2,
    seed: 0,
  },
  grid: { arch: ['resnet', 'plain'], depth: [20, 56] },
};

async function call(method, path, body) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

const existing = (await call('GET', '/sweeps')).find((s) => s.name === SWEEP.name);
let sweep;
if (!existing) sweep = await call('POST', '/sweeps', SWEEP);
else if (existing.counts.failed || existing.counts.cancelled) {
  // A run stopped by an earlier Ctrl-C resumes from its checkpoint.
  sweep = await call('POST', `/sweeps/${existing.id}/retry`);
} else sweep = await call('GET', `/sweeps/${existing.id}`);
console.log(`[demo] ${existing ? 'following' : 'submitted'} sweep ${sweep.id} (${sweep.runs.length} runs)`);

const printed = new Set();
const pct = (x) => `${(100 * x).toFixed(1)}%`;
for (;;) {
  const current = await call('GET', `/sweeps/${sweep.id}`);
  for (const run of current.runs) {
    for (const m of await call('GET', `/runs/${run.id}/metrics`)) {
      const key = `${run.id}:${m.epoch}:${m.split}`;
      if (printed.has(key)) continue;
      printed.add(key);
      console.log(
        `[demo] ${run.name.padEnd(9)} epoch ${m.epoch} ${m.split.padEnd(5)} error ${pct(1 - m.accuracy).padStart(6)}  loss ${m.loss.toFixed(3)}  macro-F1 ${m.f1.toFixed(3)}  (${m.seconds.toFixed(0)} s)`,
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
console.log(`[demo] sweep finished: see the depth plot at the dashboard's sweep page. Ctrl-C stops everything.`);
