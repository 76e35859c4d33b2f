import { hostname } from 'node:os';
import type { RunAssignment } from '@reslab/contracts';
import { runEngine } from './engine-run.js';
import { discoverGpus } from './gpu-discovery.js';
import { logger } from './logger.js';
import { OrchestratorClient } from './orchestrator-client.js';
import { loadWorkerConfig, WorkerConfigError } from './worker-config.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let config: ReturnType<typeof loadWorkerConfig>;
try {
  config = loadWorkerConfig();
} catch (error) {
  if (error instanceof WorkerConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`reslab-worker: ${(error as Error).message}`);
    process.exit(2);
  }
  throw error;
}

const api = new OrchestratorClient(config.apiUrl);
const gpus = await discoverGpus();
const worker = await api.withRetry(
  () => api.register({ name: config.name, host: hostname(), slots: config.slots, gpus }),
  20,
);
logger.info({ workerId: worker.id, name: worker.name, slots: config.slots, gpus: gpus.length }, 'worker registered');

let draining = false;
const running = new Set<Promise<void>>();

async function supervise(assignment: RunAssignment): Promise<void> {
  const log = logger.child({ runId: assignment.runId, attempt: assignment.attempt });
  const report = await runEngine(assignment, worker.id, config, api, log);
  try {
    await api.withRetry(() => api.finish(assignment.runId, report));
  } catch (error) {
    log.error({ err: (error as Error).message }, 'could not report the end of the run');
  }
}

const heartbeat = setInterval(() => {
  api.heartbeat(worker.id).catch((error: Error) => logger.warn({ err: error.message }, 'heartbeat failed'));
}, config.heartbeatMs);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (draining) return;
    draining = true;
    logger.info({ signal, running: running.size }, 'draining: no new claims; waiting for engines');
  });
}

while (!draining) {
  if (running.size >= config.slots) {
    await Promise.race(running);
    continue;
  }
  let assignment: RunAssignment | null = null;
  try {
    assignment = await api.claim(worker.id);
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'claim failed; retrying');
  }
  if (!assignment) {
    await sleep(config.idleMs);
    continue;
  }
  const task = supervise(assignment).finally(() => running.delete(task));
  running.add(task);
}
await Promise.all(running);
clearInterval(heartbeat);
logger.info('worker stopped');
