/**
 * Scheduler figures with a FAKE engine (test/support/fake-engine.mjs), so the
 * numbers are the platform's own cost, not training:
 *   - enqueue to engine start on an idle worker, p50/p95, beside the bare cost
 *     of starting the fake engine (the floor) and the worker's idle poll;
 *   - throughput with 20 workers, beside 1 worker, in runs per second.
 * Run: DATABASE_URL=... npx tsx benchmarks/scheduler.ts [--rounds 3]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunDto, SweepDetailDto } from '@reslab/contracts';
import { waitFor } from '../test/support/processes.js';
import { sweepFinished, tinyConfig } from '../test/support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../test/support/stack.js';
import { spread, summary } from './figures.js';

const IDLE_MS = 200; // RESLAB_WORKER_IDLE_MS in test/support/stack.ts
const fakeEnv = { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, LOG_LEVEL: 'warn' };

function engineStart(stack: Stack, runId: string): number {
  const file = join(stack.workDir, 'artifacts', 'runs', runId, 'attempt-1', 'fake-engine-starts.jsonl');
  return JSON.parse(readFileSync(file, 'utf8').split('\n')[0] as string).startedAt;
}

/** The floor: spawning the fake engine by hand, to its process start and to its first line. */
function bareEngineStart(samples: number): { toProcess: number[]; toFirstLine: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'reslab-bench-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(tinyConfig({ epochs: 1 })));
  const [node, script] = JSON.parse(FAKE_ENGINE_COMMAND) as [string, string];
  const toProcess: number[] = [];
  const toFirstLine: number[] = [];
  for (let i = 0; i < samples; i++) {
    rmSync(join(dir, 'fake-engine-starts.jsonl'), { force: true });
    rmSync(join(dir, 'fake-checkpoint.json'), { force: true });
    const t0 = Date.now();
    const out = execFileSync(node, [script, 'train', '--config', config, '--out', dir]).toString();
    const firstLine = Date.parse(JSON.parse(out.split('\n')[0] as string).time);
    toProcess.push(JSON.parse(readFileSync(join(dir, 'fake-engine-starts.jsonl'), 'utf8')).startedAt - t0);
    toFirstLine.push(firstLine - t0);
  }
  rmSync(dir, { recursive: true, force: true });
  return { toProcess, toFirstLine };
}

async function enqueueToStart(samples: number): Promise<number[]> {
  const stack = await startStack('reslab_bench_sched', { leaseSeconds: 30 });
  try {
    await stack.startWorker('bench-idle', { env: fakeEnv });
    await waitFor('the worker to register', async () => {
      const { body } = await api<unknown[]>(stack, 'GET', '/workers');
      return body.length ? true : undefined;
    });
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      // Land at a random point of the worker's idle poll, as a user's click would.
      await new Promise((r) => setTimeout(r, 300 + Math.random() * IDLE_MS));
      const t0 = Date.now();
      const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig({ epochs: 1, seed: i }) });
      await waitFor('the run to finish', async () => {
        const { body } = await api<RunDto>(stack, 'GET', `/runs/${run.id}`);
        return body.status === 'succeeded' ? true : undefined;
      });
      latencies.push(engineStart(stack, run.id) - t0);
    }
    return latencies;
  } finally {
    await stack.stop();
  }
}

async function throughput(workers: number, runs: number): Promise<number> {
  const stack = await startStack('reslab_bench_sched', { leaseSeconds: 30 });
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => stack.startWorker(`bench-${i}`, { env: fakeEnv })));
    await waitFor(
      'every worker to register',
      async () => {
        const { body } = await api<unknown[]>(stack, 'GET', '/workers');
        return body.length === workers ? true : undefined;
      },
      60_000,
    );
    const t0 = Date.now();
    const { body: sweep } = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'throughput',
      base: tinyConfig({ epochs: 2 }),
      grid: { seed: Array.from({ length: runs }, (_, i) => i) },
    });
    const done = await sweepFinished(stack, sweep.id, 300_000);
    const seconds = (Date.now() - t0) / 1000;
    const failed = done.filter((r) => r.status !== 'succeeded').length;
    if (failed) console.log(`  (${failed} of ${runs} runs did not succeed)`);
    return runs / seconds;
  } finally {
    await stack.stop();
  }
}

// Rounds interleave every measurement, so a stretch of load from other work on this shared machine lands on
// all of them rather than on one; each figure is then the median of the rounds, with its range.
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const starts: number[] = [];
const bareToLine: number[] = [];
const oneWorker: number[] = [];
const twentyWorkers: number[] = [];
const ratios: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const bare = bareEngineStart(10);
  bareToLine.push(...bare.toFirstLine);
  const latencies = await enqueueToStart(20);
  starts.push(...latencies);
  const one = await throughput(1, 40);
  const twenty = await throughput(20, 300);
  oneWorker.push(one);
  twentyWorkers.push(twenty);
  ratios.push(twenty / one);
  console.log(
    `round ${round}: enqueue to start ${summary(latencies)}; 1 worker ${one.toFixed(1)} runs/s; 20 workers ${twenty.toFixed(1)} runs/s`,
  );
}
console.log(`FAKE engine (test/support/fake-engine.mjs) throughout; ${ROUNDS} interleaved rounds`);
console.log(`fake engine started by hand, to its first line: ${summary(bareToLine)}`);
console.log(
  `enqueue (POST /runs) to engine process start, idle worker polling every ${IDLE_MS} ms: ${summary(starts)}`,
);
console.log(`scheduler throughput, 1 worker, 40 runs: ${spread(oneWorker, ' runs/s')}`);
console.log(`scheduler throughput, 20 workers, 300 runs: ${spread(twentyWorkers, ' runs/s')}`);
console.log(`20 workers / 1 worker: ${spread(ratios, 'x', 2)}`);
