import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EngineEvent, type FinishRunRequest, fieldIssues, type RunAssignment } from '@reslab/contracts';
import type { Logger } from 'pino';
import { checkpointArtifacts } from './artifact-files.js';
import type { RunOutbox } from './run-outbox.js';
import { StderrTail } from './stderr-tail.js';
import type { WorkerConfig } from './worker-config.js';

/** Events are forwarded in batches: at most this many, or after this delay (ms). */
const BATCH_SIZE = 50;
const BATCH_DELAY_MS = 250;
/** The engine exits with 128 + SIGTERM after writing its checkpoint (libs/engine cli.py). */
const EXIT_STOPPED = 143;

export interface EngineRunOptions {
  assignment: RunAssignment;
  workerId: string;
  config: WorkerConfig;
  outbox: RunOutbox;
  log: Logger;
  /** GPU index to pin the engine to with CUDA_VISIBLE_DEVICES; null on CPU. */
  gpu: number | null;
  /** CPU threads for the engine's torch: the machine's cores shared among the slots. */
  threads: number;
  onEvent?: (event: EngineEvent) => void;
}

/**
 * One engine process for one assignment. It writes the config into the run's
 * folder in the shared artifact store and always passes --resume: a first
 * attempt finds no checkpoint and starts at epoch 1, a later one continues
 * where the last checkpoint left off, on whichever worker claimed it.
 */
export class EngineRun {
  private child: ChildProcess | null = null;
  private stopRequested = false;

  constructor(private readonly options: EngineRunOptions) {}

  /** SIGTERM: the engine finishes its step, writes a checkpoint and exits. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.child?.kill('SIGTERM');
  }

  async run(): Promise<FinishRunRequest> {
    const { assignment, workerId, config, outbox, log, gpu } = this.options;
    const runDir = join(config.artifactDir, 'runs', assignment.runId);
    mkdirSync(runDir, { recursive: true });
    const configPath = join(runDir, 'config.json');
    writeFileSync(configPath, JSON.stringify(assignment.config, null, 2));

    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: config.engineDir, PYTHONUNBUFFERED: '1' };
    if (gpu !== null) env.CUDA_VISIBLE_DEVICES = String(gpu);
    // Engines in every slot each starting one torch thread per core oversubscribe the CPU several times over.
    env.OMP_NUM_THREADS ??= String(this.options.threads);
    const [command, ...prefix] = config.engineCommand as [string, ...string[]];
    const args = [...prefix, 'train', '--config', configPath, '--out', runDir, '--resume', runDir];
    const child = spawn(command, args, { cwd: config.engineDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    if (this.stopRequested) child.kill('SIGTERM');
    log.info({ pid: child.pid, gpu, attempt: assignment.attempt }, 'engine started');

    const stderr = new StderrTail();
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

    let pending: EngineEvent[] = [];
    let timer: NodeJS.Timeout | null = null;
    let artifacts: Promise<void> = Promise.resolve();
    let sawFinished = false;
    let lastError: string | null = null;

    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending.length) outbox.push({ kind: 'events', events: pending });
      pending = [];
    };

    const lines = createInterface({
      input: child.stdout as NodeJS.ReadableStream,
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    lines.on('line', (line) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        log.warn({ line: line.slice(0, 200) }, 'engine wrote a line that is not JSON; skipped');
        return;
      }
      const result = EngineEvent.safeParse(parsed);
      if (!result.success) {
        log.warn(
          { issues: fieldIssues(result.error), line: line.slice(0, 200) },
          'engine event breaks the contract; skipped',
        );
        return;
      }
      const event = result.data;
      this.options.onEvent?.(event);
      if (event.type === 'run_finished') sawFinished = true;
      if (event.type === 'error') lastError = event.field ? `${event.field}: ${event.message}` : event.message;
      if (event.type === 'diverged')
        lastError = `diverged at epoch ${event.epoch}, step ${event.step} (loss ${event.loss})`;
      pending.push(event);
      if (event.type === 'checkpoint') {
        // The checkpoint's epoch metrics go first, then the files that hold it.
        flush();
        artifacts = artifacts.then(async () => {
          for (const artifact of await checkpointArtifacts(config.artifactDir, runDir, workerId)) {
            outbox.push({ kind: 'artifact', artifact });
          }
        });
      } else if (pending.length >= BATCH_SIZE) flush();
      else timer ??= setTimeout(flush, BATCH_DELAY_MS);
    });

    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.on('error', (error) => {
        stderr.push(`could not start ${command}: ${error.message}\n`);
        resolve([null, null]);
      });
      child.on('close', (code, sig) => resolve([code, sig]));
    });
    flush();
    await artifacts.catch((error: Error) => log.error({ err: error.message }, 'could not hash checkpoint files'));

    // A stop asked by this worker, or the terminal's Ctrl-C reaching the engine's process group first.
    const stopped = exitCode === EXIT_STOPPED || (this.stopRequested && signal === 'SIGTERM');
    const succeeded = exitCode === 0 && sawFinished;
    let failureReason: string | null = null;
    if (!succeeded && !stopped) {
      const how = signal
        ? `was killed by ${signal}`
        : exitCode === null
          ? 'could not start'
          : `exited with code ${exitCode}`;
      failureReason = lastError ? `${lastError} (engine ${how})` : `engine ${how}`;
    }
    log.info({ exitCode, signal, succeeded, stopped }, 'engine ended');
    return {
      workerId,
      // 'cancelled' reports a stop this worker asked for; the orchestrator knows whether it was a cancel or a drain.
      status: succeeded ? 'succeeded' : stopped ? 'cancelled' : 'failed',
      exitCode,
      signal,
      failureReason,
      stderrTail: stderr.text() || null,
    };
  }
}
