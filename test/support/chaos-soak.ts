import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpochMetricDto, RunDto, SweepDetailDto } from '@reslab/contracts';
import { integrity } from './fault-checks.js';
import { REPO_ROOT } from './paths.js';
import { query } from './postgres.js';
import { startPrivatePostgres } from './private-postgres.js';
import type { ManagedProcess } from './processes.js';
import { ENGINE_ENV, FINISHED, metricsOf, tinyConfig } from './runs.js';
import { seededRandom } from './seeded-random.js';
import { api, type Stack, startStack } from './stack.js';

export interface SoakOptions {
  /** Seeds the fault schedule: the same seed injects the same faults at the same offsets. */
  seed: number;
  runs: number;
  epochs: number;
  /** Faults are injected for this long, or until the sweep ends if sooner, ms. */
  chaosMs: number;
  /** Gap between two faults, drawn uniformly, ms. */
  gapMs: [number, number];
  leaseSeconds: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  faults: { atSeconds: number; kind: string; fault: string }[];
  submitted: number;
  succeeded: number;
  duplicateRows: number;
  missingEpochs: number;
  /** Runs whose stored metrics differ from the same config run once by the engine alone, uninterrupted. */
  differFromUninterrupted: number;
  attempts: { total: number; max: number };
  /** Why runs went back to the queue, from the status events, counted by reason (numbers and ids blanked). */
  requeueReasons: Record<string, number>;
  seconds: number;
}

export const FAULTS = ['kill -9 worker', 'kill -9 orchestrator', 'stop postgres', 'kill -9 postgres'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The metric fields training decides; wall-clock and presentation fields left out. */
function comparable(
  m: Pick<EpochMetricDto, 'epoch' | 'split' | 'loss' | 'accuracy' | 'precision' | 'recall' | 'f1' | 'lr'>,
) {
  return `${m.epoch}:${m.split}:${m.loss}:${m.accuracy}:${m.precision}:${m.recall}:${m.f1}:${m.lr}`;
}

/** The same config trained once by the engine alone, no platform and no faults. */
async function uninterrupted(config: RunDto['config']): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'reslab-soak-ref-'));
  try {
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify(config));
    const python = join(REPO_ROOT, '.venv', 'bin', 'python');
    const child = spawn(python, ['-m', 'reslab_engine', 'train', '--config', configPath, '--out', join(dir, 'out')], {
      cwd: join(REPO_ROOT, 'libs', 'engine'),
      env: { ...process.env, ...ENGINE_ENV, PYTHONPATH: join(REPO_ROOT, 'libs', 'engine') },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`the reference engine run exited with ${code}`);
    return out
      .split('\n')
      .filter((l) => l.includes('"epoch_metric"'))
      .map((l) => comparable(JSON.parse(l)))
      .sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A sweep of real-engine runs on two workers while a seeded schedule kills a
 * worker, the orchestrator or Postgres (kill -9, or pg_ctl stop for up to
 * twice the lease), one fault at a time; then what survived is counted from
 * the database and compared with uninterrupted runs of the same configs.
 */
export async function runChaosSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const between = ([lo, hi]: [number, number]) => lo + random() * (hi - lo);
  const started = Date.now();
  const at = () => Math.round((Date.now() - started) / 100) / 10;
  const pg = await startPrivatePostgres();
  const stack: Stack = await startStack('reslab_soak', { leaseSeconds: options.leaseSeconds, databaseUrl: pg.url });
  const workerEnv = { ...ENGINE_ENV, RESLAB_WORKER_KILL_GRACE_MS: '5000', LOG_LEVEL: 'warn' };
  const workers: Record<string, ManagedProcess> = {};
  for (const name of ['soak-a', 'soak-b']) workers[name] = await stack.startWorker(name, { env: workerEnv });
  const faults: SoakReport['faults'] = [];
  try {
    const { body: sweep } = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: `chaos soak, seed ${options.seed}`,
      base: tinyConfig({ epochs: options.epochs }),
      grid: { seed: Array.from({ length: options.runs }, (_, i) => i) },
      maxAttempts: 20,
    });
    const sweepRuns = async (): Promise<RunDto[] | null> => {
      const { status, body } = await api<SweepDetailDto>(stack, 'GET', `/sweeps/${sweep.id}`).catch(() => ({
        status: 0,
        body: null as unknown as SweepDetailDto,
      }));
      return status === 200 ? body.runs : null;
    };
    const finished = async () => {
      const runs = await sweepRuns();
      return runs?.every((r) => FINISHED.includes(r.status)) ?? false;
    };

    let round: (typeof FAULTS)[number][] = [];
    while (Date.now() - started < options.chaosMs) {
      await sleep(between(options.gapMs));
      if (await finished()) break;
      // Rounds of every kind in a seeded order: a short soak still injects each kind.
      if (!round.length) round = [...FAULTS].sort(() => random() - 0.5);
      const fault = round.shift() as (typeof FAULTS)[number];
      const downMs = Math.round(
        fault === 'stop postgres' ? between([1000, 2 * options.leaseSeconds * 1000]) : between([0, 3000]),
      );
      let target = '';
      if (fault === 'kill -9 worker') {
        target = random() < 0.5 ? 'soak-a' : 'soak-b';
        const worker = workers[target] as ManagedProcess;
        worker.child.kill('SIGKILL');
        await worker.exited;
        await sleep(downMs);
        workers[target] = await stack.startWorker(target, { env: workerEnv });
      } else if (fault === 'kill -9 orchestrator') {
        await stack.stopOrchestrator('SIGKILL');
        await sleep(downMs);
        await stack.startOrchestrator();
      } else if (fault === 'stop postgres') {
        pg.stop();
        await sleep(downMs);
        pg.start();
      } else {
        pg.kill();
        await sleep(downMs);
        pg.start();
      }
      const line = `${fault}${target ? ` ${target}` : ''}, down ${(downMs / 1000).toFixed(1)} s`;
      faults.push({ atSeconds: at(), kind: fault, fault: line });
      log(`[soak ${at()} s] ${line}`);
    }
    log(`[soak ${at()} s] faults over (${faults.length}); waiting for the sweep to finish`);
    for (const deadline = Date.now() + 600_000; !(await finished()); ) {
      if (Date.now() > deadline) throw new Error('the sweep did not finish within 10 minutes of the last fault');
      await sleep(1000);
    }
    const runs = (await sweepRuns()) as RunDto[];
    const seconds = (Date.now() - started) / 1000;
    const counts = await integrity(
      pg.url,
      runs.map((r) => ({ id: r.id, epochs: options.epochs })),
    );
    const requeues = await query<{ reason: string | null }>(
      pg.url,
      `SELECT payload->>'failureReason' AS reason FROM "RunEvent"
        WHERE type = 'status' AND payload->>'status' = 'queued' AND (payload->>'attempt')::int > 0`,
    );
    const requeueReasons: Record<string, number> = {};
    for (const { reason } of requeues) {
      const key = (reason ?? 'none').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+(\.\d+)?/g, 'N');
      requeueReasons[key] = (requeueReasons[key] ?? 0) + 1;
    }
    log(`[soak ${at()} s] sweep finished; training the same configs uninterrupted for comparison`);
    let differ = 0;
    for (let i = 0; i < runs.length; i += 2) {
      const pair = runs.slice(i, i + 2);
      const references = await Promise.all(pair.map((r) => uninterrupted(r.config)));
      for (const [j, run] of pair.entries()) {
        const stored = (await metricsOf(stack, run.id)).map(comparable).sort();
        if (stored.join('\n') !== references[j]?.join('\n')) differ++;
      }
    }
    return {
      seed: options.seed,
      faults,
      submitted: runs.length,
      succeeded: runs.filter((r) => r.status === 'succeeded').length,
      duplicateRows: counts.duplicateRows,
      missingEpochs: counts.missingEpochs,
      differFromUninterrupted: differ,
      attempts: { total: runs.reduce((n, r) => n + r.attempt, 0), max: Math.max(...runs.map((r) => r.attempt)) },
      requeueReasons,
      seconds: Math.round(seconds),
    };
  } finally {
    stack.workers.splice(0, stack.workers.length, ...Object.values(workers));
    await stack.stop().catch(() => {});
    pg.destroy();
  }
}

export function formatSoakReport(report: SoakReport): string {
  return [
    `chaos soak, seed ${report.seed}: ${report.faults.length} faults in ${report.seconds} s`,
    ...report.faults.map((f) => `  ${String(f.atSeconds).padStart(6)} s  ${f.fault}`),
    `runs succeeded:                 ${report.succeeded} of ${report.submitted}`,
    `duplicate rows:                 ${report.duplicateRows}`,
    `missing epochs:                 ${report.missingEpochs}`,
    `differ from uninterrupted run:  ${report.differFromUninterrupted}`,
    `attempts used:                  ${report.attempts.total} for ${report.submitted} runs (most for one run: ${report.attempts.max})`,
    ...Object.entries(report.requeueReasons).map(([reason, n]) => `  requeued ${n}x: ${reason}`),
  ].join('\n');
}
