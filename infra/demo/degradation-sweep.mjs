// Submits the demo sweep (plain vs residual, depth 20 and 56, on Fashion-MNIST)
// through the orchestrator's API and prints each epoch as it lands.
//
// The recipe is the course's measurement (COURSE.md, "A measurement to build
// the demo on"): CIFAR-style option-A nets, first 20k training images, 2
// epochs, SGD lr 0.1, momentum 0.9, weight decay 1e-4, batch 128, seed 0.
// There, plain-56 trained far worse than plain-20 while resnet-56 trained:
// the degradation problem of He et al. 2016 (Fig. 1 and 6).
//
// Idempotent: runs of the sweep that already exist (and did not fail) are
// followed, not submitted again.
const api = process.argv[2] ?? 'http://127.0.0.1:4000';
const EXPERIMENT = 'demo: plain vs residual on Fashion-MNIST';
const NETS = [
  ['resnet', 20],
  ['plain', 20],
  ['resnet', 56],
  ['plain', 56],
];

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

const existing = await call('GET', '/runs?limit=5000');
const runs = [];
for (const [arch, depth] of NETS) {
  const name = `${arch}${depth} seed0`;
  const found = existing.find((r) => r.name === name && !['failed', 'cancelled'].includes(r.status));
  const run =
    found ??
    (await call('POST', '/runs', {
      experiment: EXPERIMENT,
      name,
      config: {
        model: { arch, depth },
        data: { dataset: 'fashion-mnist', trainSubset: 20000, valSize: 2000 },
        optim: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 128 },
        epochs: 2,
        seed: 0,
      },
    }));
  console.log(`[demo] ${found ? 'following' : 'submitted'} ${name}: ${api}/runs/${run.id}`);
  runs.push(run);
}

const printed = new Set();
const pct = (x) => `${(100 * x).toFixed(1)}%`;
for (;;) {
  let open = 0;
  for (const run of runs) {
    const current = await call('GET', `/runs/${run.id}`);
    for (const m of await call('GET', `/runs/${run.id}/metrics`)) {
      const key = `${run.id}:${m.epoch}:${m.split}`;
      if (printed.has(key)) continue;
      printed.add(key);
      console.log(
        `[demo] ${current.name.padEnd(13)} epoch ${m.epoch} ${m.split.padEnd(5)} error ${pct(1 - m.accuracy).padStart(6)}  loss ${m.loss.toFixed(3)}  macro-F1 ${m.f1.toFixed(3)}  (${m.seconds.toFixed(0)} s)`,
      );
    }
    const statusKey = `${run.id}:${current.status}`;
    if (!printed.has(statusKey) && !['queued', 'running'].includes(current.status)) {
      printed.add(statusKey);
      console.log(
        `[demo] ${current.name} ${current.status}${current.failureReason ? `: ${current.failureReason}` : ''}`,
      );
    }
    if (['queued', 'running'].includes(current.status)) open++;
  }
  if (!open) break;
  await new Promise((r) => setTimeout(r, 3000));
}
console.log('[demo] sweep finished; compare the runs in the dashboard. Ctrl-C stops everything.');
