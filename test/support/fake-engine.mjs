#!/usr/bin/env node
/**
 * A FAKE engine for scheduler tests: it accepts the real engine's command line
 * (`train --config FILE --out DIR [--resume DIR ...]`) and speaks its stdout
 * protocol (libs/contracts engine-events.ts, version 1), but trains nothing.
 * Metrics are a pure function of (seed, epoch, split), so a resumed run prints
 * exactly what an uninterrupted one would.
 *
 * Like the real engine it checkpoints after each epoch (fake-checkpoint.json),
 * resumes after the last checkpoint, and on SIGTERM checkpoints and exits 143.
 * It appends one line per start to `fake-engine-starts.jsonl` in --out, so a
 * test or benchmark can see when, and from which epoch, each attempt began.
 *
 * Environment:
 *   RESLAB_FAKE_EPOCH_MS   wall-clock milliseconds per epoch (default 0)
 *   RESLAB_FAKE_BAD_LINES  1: also print a line that is not JSON and one that breaks the contract
 *   RESLAB_FAKE_EVENT_TIMES  1: note when each epoch metric was printed in `fake-engine-events.jsonl`
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const startedAt = performance.timeOrigin;
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { config: { type: 'string' }, out: { type: 'string' }, resume: { type: 'string' } },
});
if (positionals[0] !== 'train' || !values.config || !values.out) {
  console.error('usage: fake-engine train --config FILE --out DIR [--resume DIR ...]');
  process.exit(2);
}

const config = JSON.parse(readFileSync(values.config, 'utf8'));
const epochs = config.epochs;
const seed = config.seed ?? 0;
const numClasses = 10;
const sizes = { train: 1000, val: config.data?.valSize ?? 0, test: 500 };
const epochMs = Number(process.env.RESLAB_FAKE_EPOCH_MS ?? 0);
const badLines = process.env.RESLAB_FAKE_BAD_LINES === '1';
const eventTimes = process.env.RESLAB_FAKE_EVENT_TIMES === '1';
const checkpointFile = (dir) => join(dir, 'fake-checkpoint.json');

function emit(type, fields) {
  const at = performance.timeOrigin + performance.now();
  process.stdout.write(`${JSON.stringify({ v: 1, time: new Date(at).toISOString(), type, ...fields })}\n`);
  if (eventTimes && type === 'epoch_metric') {
    appendFileSync(
      join(values.out, 'fake-engine-events.jsonl'),
      `${JSON.stringify({ epoch: fields.epoch, split: fields.split, at })}\n`,
    );
  }
}

/** A number in [0, 1) fixed by its arguments: the same run always reports the same metrics. */
function unit(...parts) {
  let h = 2166136261;
  for (const c of parts.join(':')) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) % 1_000_000) / 1_000_000;
}

function metric(epoch, split) {
  const accuracy = Math.min(0.99, 0.1 + 0.8 * (1 - 1 / (epoch + 1)) * (0.9 + 0.1 * unit(seed, epoch, split)));
  const support = Math.floor(sizes[split] / numClasses);
  return {
    epoch,
    split,
    loss: 2.3 * (1 - accuracy) + 0.01 * unit(seed, epoch, split, 'loss'),
    accuracy,
    precision: accuracy,
    recall: accuracy,
    f1: accuracy,
    perClass: Array.from({ length: numClasses }, () => ({
      precision: accuracy,
      recall: accuracy,
      f1: accuracy,
      support,
    })),
    lr: 0.1,
    seconds: epochMs / 1000,
  };
}

let startEpoch = 1;
// Like the real engine, the furthest checkpoint among every --resume folder (one per earlier attempt).
const resumeDirs = values.resume ? [values.resume, ...positionals.slice(1)] : [];
const saved = resumeDirs
  .filter((dir) => existsSync(checkpointFile(dir)))
  .map((dir) => JSON.parse(readFileSync(checkpointFile(dir), 'utf8')).epoch);
if (saved.length) {
  startEpoch = Math.max(...saved) + 1;
}
appendFileSync(
  join(values.out, 'fake-engine-starts.jsonl'),
  `${JSON.stringify({ pid: process.pid, startedAt, startEpoch })}\n`,
);

let stopRequested = false;
process.on('SIGTERM', () => {
  stopRequested = true;
});

function checkpoint(epoch) {
  const file = checkpointFile(values.out);
  writeFileSync(`${file}.tmp`, JSON.stringify({ epoch }));
  renameSync(`${file}.tmp`, file);
  emit('checkpoint', { epoch, path: values.out });
}

emit('run_started', {
  model: `${config.model.arch}${config.model.depth}`,
  params: 75002,
  device: 'cpu',
  dataset: config.data.dataset,
  numClasses,
  sizes,
  epochs,
  startEpoch,
});
for (let epoch = startEpoch; epoch <= epochs; epoch++) {
  if (epochMs) await new Promise((resolve) => setTimeout(resolve, epochMs));
  if (badLines && epoch === startEpoch) {
    process.stdout.write('this line is not JSON\n');
    emit('epoch_metric', { ...metric(epoch, 'train'), accuracy: 1.5 });
  }
  emit('epoch_metric', metric(epoch, 'train'));
  if (sizes.val) emit('epoch_metric', metric(epoch, 'val'));
  checkpoint(epoch);
  if (stopRequested) process.exit(143);
}
emit('epoch_metric', metric(epochs, 'test'));
emit('run_finished', { epochs, seconds: (performance.now() + performance.timeOrigin - startedAt) / 1000 });
