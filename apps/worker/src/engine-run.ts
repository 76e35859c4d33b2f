import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  EngineEvent,
  FAILURE_REASON_MAX,
  type FinishRunRequest,
  fieldIssues,
  type RunAssignment,
} from '@reslab/contracts';
import type { Logger } from 'pino';
import { artifactStoreFor, type CheckpointSnapshot } from './artifact-store.js';
import { CheckpointUploads } from './checkpoint-uploads.js';
import { engineEnvironment } from './engine-environment.js';
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
  /** The slots the run holds on this worker: one engine process each (under torchrun when more than one). */
  slots: number;
  /** GPU indices of those slots, for CUDA_VISIBLE_DEVICES; [] on CPU. */
  gpus: number[];
  /** CPU threads per engine process (OMP_NUM_THREADS): the machine's cores shared among all its slots. */
  threads: number;
  onEvent?: (event: EngineEvent) => void;
}

/** Each attempt writes `runs/<runId>/attempt-<n>/` in the shared store: two attempts never share a file. */
export function attemptDir(artifactDir: string, runId: string, attempt: number): string {
  return join(artifactDir, 'runs', runId, `attempt-${attempt}`);
}

/**
 * A node of rank > 0 of a multi-node run writes beside its attempt's folder, not in it: only global rank 0 (on node
 * 0) writes checkpoints, and no later attempt resumes from a node's folder.
 */
export function nodeDir(artifactDir: string, runId: string, attempt: number, nodeRank: number): string {
  return join(artifactDir, 'runs', runId, `attempt-${attempt}-node-${nodeRank}`);
}

/**
 * The engine's distributed entry (libs/engine launch.py): torchrun with `slots` processes on this node, then the train
 * command. A gang's node rank and rendezvous come from the orchestrator; one node leaves the port to torchrun.
 */
function launchCommand(assignment: RunAssignment, slots: number, train: string[]): string[] {
  const { node } = assignment;
  const rendezvous = node
    ? [
        '--nnodes',
        String(node.nodes),
        '--node-rank',
        String(node.nodeRank),
        '--master-addr',
        node.masterAddr,
        '--master-port',
        String(node.masterPort),
      ]
    : [];
  return ['launch', '--nproc-per-node', String(slots), ...rendezvous, '--', ...train];
}

/**
 * The engine's command for an assignment, its input written into the attempt's folder: `train` on the run config,
 * or, for an analysis job, `analyze` on the job config with the analysed run's checkpoint folder (libs/engine cli.py).
 */
function engineCommand(assignment: RunAssignment, runDir: string, checkpointDir: string | null): string[] {
  const { analysis } = assignment;
  if (!analysis) {
    const configPath = join(runDir, 'config.json');
    writeFileSync(configPath, JSON.stringify(assignment.config, null, 2));
    return ['train', '--config', configPath, '--out', runDir];
  }
  const jobPath = join(runDir, 'analysis.json');
  writeFileSync(jobPath, JSON.stringify(analysis.job, null, 2));
  const checkpoint = checkpointDir === null ? [] : ['--checkpoint', checkpointDir];
  return ['analyze', '--config', jobPath, '--out', runDir, ...checkpoint];
}

/** A failure reason as long as the contract takes, the end cut and marked. */
export function truncateReason(reason: string): string {
  const mark = ' … (truncated)';
  return reason.length <= FAILURE_REASON_MAX ? reason : reason.slice(0, FAILURE_REASON_MAX - mark.length) + mark;
}

/**
 * One engine process for one assignment. It writes the config into the
 * attempt's folder in the shared artifact store and passes every earlier
 * attempt's folder to --resume: a first attempt finds no checkpoint and starts
 * at epoch 1, a later one continues from the furthest checkpoint any attempt
 * wrote, on whichever worker claimed it.
 */
export class EngineRun {
  private child: ChildProcess | null = null;
  private stopRequested = false;
  private stopReason: string | null = null;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: EngineRunOptions) {}

  /**
   * SIGTERM: the engine finishes its step, writes a checkpoint and exits. One that has not exited after
   * `graceMs` gets SIGKILL. `reason` goes into the report when the stop was not a cancel or a drain.
   */
  stop(options: { graceMs?: number; reason?: string } = {}): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.stopReason = options.reason ?? null;
    this.signalGroup('SIGTERM');
    if (options.graceMs !== undefined) {
      this.killTimer = setTimeout(() => {
        if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
          this.options.log.warn({ graceMs: options.graceMs }, 'engine did not stop on SIGTERM; SIGKILL');
          this.signalGroup('SIGKILL');
        }
      }, options.graceMs);
    }
  }

  /**
   * The engine runs in a process group of its own (spawned detached), which torchrun's ranks share: a signal to the
   * group reaches every rank, not torchrun alone, and a SIGKILL leaves none behind.
   */
  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async run(): Promise<FinishRunRequest> {
    const { assignment, workerId, config, outbox, log, gpus, slots } = this.options;
    const nodeRank = assignment.node?.nodeRank ?? 0;
    const store = await artifactStoreFor(config);
    const runDir =
      nodeRank > 0
        ? nodeDir(store.root, assignment.runId, assignment.attempt, nodeRank)
        : attemptDir(store.root, assignment.runId, assignment.attempt);
    mkdirSync(runDir, { recursive: true });
    let resumeFrom: string[];
    let checkpointDir: string | null = null;
    try {
      resumeFrom = await store.resumeDirs(assignment.runId, assignment.attempt, runDir, log);
      const analysed = assignment.analysis?.checkpoint;
      if (analysed) checkpointDir = await store.checkpointDir(analysed, runDir, log);
    } catch (error) {
      // The store is unreachable or refuses: 'cancelled' puts the run back in the queue (up to its maxAttempts).
      const reason = `could not read the run's checkpoints from the artifact store: ${(error as Error).message}`;
      log.error({ err: (error as Error).message }, 'artifact store unavailable; the run goes back to the queue');
      return {
        workerId,
        attempt: assignment.attempt,
        status: 'cancelled',
        exitCode: null,
        signal: null,
        failureReason: truncateReason(reason),
        stderrTail: null,
      };
    }
    const engine = engineCommand(assignment, runDir, checkpointDir);
    // More than one process in all (gpus x nodes): torchrun, one process per slot, even a 1-slot node of a gang.
    const command = slots > 1 || assignment.node ? launchCommand(assignment, slots, engine) : engine;

    const env = engineEnvironment(process.env, {
      PYTHONPATH: config.engineDir,
      PYTHONUNBUFFERED: '1',
      // The engine stops (SIGTERM) when this worker dies, even by SIGKILL (libs/engine cli.py); under torchrun the
      // launcher does, and names its own pid to the ranks, whose parent it is (libs/engine launch.py).
      RESLAB_EXIT_WITH_PARENT: '1',
      RESLAB_PARENT_PID: String(process.pid),
      // Where a run's `data.root` name may lead (libs/engine data/locate.py).
      RESLAB_DATA_DIRS: config.dataDirs.join(delimiter),
      ...(gpus.length ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {}),
    });
    // Engines in every slot each starting one torch thread per core oversubscribe the CPU several times over.
    env.OMP_NUM_THREADS ??= String(this.options.threads);
    const [program, ...prefix] = config.engineCommand as [string, ...string[]];
    const args = [...prefix, ...command];
    if (resumeFrom.length) args.push('--resume', ...resumeFrom);
    // detached: a process group of its own, for torchrun and its ranks (signalGroup).
    const child = spawn(program, args, {
      cwd: config.engineDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    if (this.stopRequested) this.signalGroup('SIGTERM');
    log.info({ pid: child.pid, gpus, slots, node: assignment.node, attempt: assignment.attempt }, 'engine started');

    const stderr = new StderrTail();
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

    let pending: EngineEvent[] = [];
    let timer: NodeJS.Timeout | null = null;
    const writer = { workerId, attempt: assignment.attempt };
    const uploads = new CheckpointUploads<CheckpointSnapshot>(
      async (snapshot) => {
        try {
          for (const artifact of await store.publish(snapshot, writer, log))
            outbox.push({ kind: 'artifact', artifact });
        } catch (error) {
          log.error({ err: (error as Error).message }, 'could not store the checkpoint files; not registered');
        }
      },
      (snapshot) => snapshot.discard(),
    );
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
      if (event.type === 'run_started') {
        log.info(
          { device: event.device, worldSize: event.worldSize ?? 1, startEpoch: event.startEpoch },
          'run started',
        );
      }
      if (event.type === 'run_finished' || event.type === 'analysis_finished') sawFinished = true;
      if (event.type === 'error') lastError = event.field ? `${event.field}: ${event.message}` : event.message;
      if (event.type === 'diverged')
        lastError = `diverged at epoch ${event.epoch}, step ${event.step} (loss ${event.loss})`;
      pending.push(event);
      if (event.type === 'checkpoint') {
        // The checkpoint's epoch metrics go first, then the files that hold it, registered once they are stored.
        flush();
        uploads.offer(store.snapshot(runDir));
      } else if (event.type === 'epoch_metric' || pending.length >= BATCH_SIZE) {
        // An epoch's metrics are what a person watching waits for: sent at once, never held by the batch timer.
        flush();
      } else timer ??= setTimeout(flush, BATCH_DELAY_MS);
    });

    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.on('error', (error) => {
        stderr.push(`could not start ${program}: ${error.message}\n`);
        resolve([null, null]);
      });
      child.on('exit', (code, sig) => resolve([code, sig]));
    });
    if (this.killTimer) clearTimeout(this.killTimer);
    // A rank whose launcher died before it (killed alone, or crashed) must not train on unsupervised; the ranks hold
    // the stdout pipe, so 'close' (all output read) comes only once they are gone.
    this.signalGroup('SIGKILL');
    if (exitCode !== null || signal !== null) await closed;
    flush();
    // The report waits for the last checkpoint to be stored and registered: a resume must find what it reports.
    await uploads.idle();
    await store.release(runDir);

    // A stop asked by this worker (the engine's process group is its own: a terminal's Ctrl-C goes to the worker).
    // SIGKILL counts when this worker sent it after the grace period of a stop it asked for.
    const stopped = exitCode === EXIT_STOPPED || (this.stopRequested && (signal === 'SIGTERM' || signal === 'SIGKILL'));
    // A node of rank > 0 runs no rank 0, so it sees no events: its exit code alone tells.
    const succeeded = exitCode === 0 && (sawFinished || nodeRank > 0);
    let failureReason: string | null = null;
    if (!succeeded && !stopped) {
      const how = signal
        ? `was killed by ${signal}`
        : exitCode === null
          ? 'could not start'
          : `exited with code ${exitCode}`;
      failureReason = lastError ? `${lastError} (engine ${how})` : `engine ${how}`;
    }
    if (stopped && this.stopReason) failureReason = this.stopReason;
    log.info({ exitCode, signal, succeeded, stopped }, 'engine ended');
    return {
      workerId,
      attempt: assignment.attempt,
      // 'cancelled' reports a stop this worker asked for; the orchestrator knows whether it was a cancel or a drain.
      status: succeeded ? 'succeeded' : stopped ? 'cancelled' : 'failed',
      exitCode,
      signal,
      failureReason: failureReason === null ? null : truncateReason(failureReason),
      stderrTail: stderr.text() || null,
    };
  }
}
