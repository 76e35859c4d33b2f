import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EngineEvent, type FinishRunRequest, fieldIssues, type RunAssignment } from '@reslab/contracts';
import type { Logger } from 'pino';
import type { OrchestratorClient } from './orchestrator-client.js';
import { StderrTail } from './stderr-tail.js';
import type { WorkerConfig } from './worker-config.js';

/** Events are forwarded in batches: at most this many, or after this delay (ms). */
const BATCH_SIZE = 50;
const BATCH_DELAY_MS = 250;

/**
 * Runs one engine process for one assignment: writes its config, validates
 * every stdout line against the event contract, forwards the valid ones in
 * batches and reports how the process ended.
 */
export async function runEngine(
  assignment: RunAssignment,
  workerId: string,
  config: WorkerConfig,
  api: OrchestratorClient,
  log: Logger,
): Promise<FinishRunRequest> {
  const runDir = join(config.workDir, assignment.runId);
  mkdirSync(runDir, { recursive: true });
  const configPath = join(runDir, 'config.json');
  writeFileSync(configPath, JSON.stringify(assignment.config, null, 2));

  const child = spawn(config.python, ['-m', 'reslab_engine', 'train', '--config', configPath, '--out', runDir], {
    cwd: config.engineDir,
    env: { ...process.env, PYTHONPATH: config.engineDir, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  log.info({ pid: child.pid }, 'engine started');

  const stderr = new StderrTail();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  let pending: EngineEvent[] = [];
  let timer: NodeJS.Timeout | null = null;
  let sending: Promise<void> = Promise.resolve();
  let sawFinished = false;
  let lastError: string | null = null;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    // Chained so batches arrive in the order the engine wrote them.
    sending = sending.then(() =>
      api
        .withRetry(() => api.postEvents(assignment.runId, workerId, batch))
        .catch((error: Error) => {
          log.error({ err: error.message, events: batch.length }, 'could not forward engine events');
        }),
    );
  };

  const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
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
    if (event.type === 'run_finished') sawFinished = true;
    if (event.type === 'error') lastError = event.field ? `${event.field}: ${event.message}` : event.message;
    if (event.type === 'diverged')
      lastError = `diverged at epoch ${event.epoch}, step ${event.step} (loss ${event.loss})`;
    pending.push(event);
    if (pending.length >= BATCH_SIZE) flush();
    else timer ??= setTimeout(flush, BATCH_DELAY_MS);
  });

  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('error', (error) => {
      stderr.push(`could not start ${config.python}: ${error.message}\n`);
      resolve([null, null]);
    });
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  flush();
  await sending;

  const succeeded = exitCode === 0 && sawFinished;
  let failureReason: string | null = null;
  if (!succeeded) {
    const how = signal
      ? `was killed by ${signal}`
      : exitCode === null
        ? 'could not start'
        : `exited with code ${exitCode}`;
    failureReason = lastError ? `${lastError} (engine ${how})` : `engine ${how}`;
  }
  log.info({ exitCode, signal, succeeded }, 'engine ended');
  return {
    workerId,
    status: succeeded ? 'succeeded' : 'failed',
    exitCode,
    signal,
    failureReason,
    stderrTail: stderr.text() || null,
  };
}
