import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { RunAssignment } from '@reslab/contracts';
import { EngineRun } from './engine-run.js';
import { discoverGpus } from './gpu-discovery.js';
import { logger } from './logger.js';
import { OrchestratorClient, sleep } from './orchestrator-client.js';
import { RunOutbox } from './run-outbox.js';
import { loadWorkerConfig, WorkerConfigError } from './worker-config.js';
import { WorkerMetrics } from './worker-metrics.js';

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
const metrics = new WorkerMetrics();
const gpus = await discoverGpus();
// One slot per GPU, each engine pinned to its own; on CPU machines, --slots.
const slots = config.slots ?? Math.max(1, gpus.length);
const slotGpu = (slot: number): number | null => (gpus.length ? (gpus[slot % gpus.length]?.index ?? null) : null);
metrics.slots.set(slots);

const worker = await api.withRetry(() => api.register({ name: config.name, host: hostname(), slots, gpus }), 20);
logger.info({ workerId: worker.id, name: worker.name, slots, gpus: gpus.length }, 'worker registered');

interface Held {
  engine: EngineRun;
  outbox: RunOutbox;
  done: Promise<void>;
}
const held = new Map<string, Held>();
const freeSlots = new Set(Array.from({ length: slots }, (_, i) => i));
let draining = false;

const server = await metrics.serve(config.metricsPort, () => ({
  status: draining ? 'draining' : 'ok',
  workerId: worker.id,
  running: [...held.keys()],
}));
const address = server.address();
logger.info({ port: typeof address === 'object' && address ? address.port : null }, 'health and metrics listening');

function supervise(assignment: RunAssignment, slot: number): Held {
  const log = logger.child({ runId: assignment.runId, attempt: assignment.attempt });
  const outbox = new RunOutbox(
    assignment.runId,
    worker.id,
    join(config.workDir, 'outbox', `${assignment.runId}.jsonl`),
    api,
    log,
    (item) => {
      if (item.kind === 'events') metrics.eventsForwarded.inc(item.events.length);
    },
  );
  const threads = Math.max(1, Math.floor(availableParallelism() / slots));
  const engine = new EngineRun({ assignment, workerId: worker.id, config, outbox, log, gpu: slotGpu(slot), threads });
  const done = (async () => {
    metrics.enginesRunning.inc();
    try {
      const report = await engine.run();
      metrics.engineExits.inc({ status: report.status });
      outbox.push({ kind: 'finish', report });
      await outbox.flushed();
    } finally {
      metrics.enginesRunning.dec();
      held.delete(assignment.runId);
      freeSlots.add(slot);
    }
  })();
  return { engine, outbox, done };
}

async function heartbeat(): Promise<void> {
  try {
    const { stop } = await api.heartbeat(worker.id, [...held.keys()], draining);
    for (const runId of stop) {
      logger.info({ runId }, 'orchestrator asked to stop the run; sending SIGTERM to its engine');
      held.get(runId)?.engine.stop();
    }
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'heartbeat failed');
  }
  metrics.outboxPending.set([...held.values()].reduce((n, h) => n + h.outbox.pending, 0));
}
// Three beats per lease, so one lost beat never costs a run.
let beatMs = config.heartbeatMs;
let beat = setInterval(heartbeat, beatMs);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (draining) return;
    draining = true;
    logger.info({ signal, running: held.size }, 'draining: no new claims; engines checkpoint and stop');
    for (const h of held.values()) h.engine.stop();
    void heartbeat();
  });
}

while (!draining) {
  const slot = freeSlots.values().next().value;
  if (slot === undefined) {
    await Promise.race([...held.values()].map((h) => h.done));
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
  const leaseBeatMs = Math.max(250, (assignment.leaseSeconds * 1000) / 3);
  if (leaseBeatMs < beatMs) {
    beatMs = leaseBeatMs;
    clearInterval(beat);
    beat = setInterval(heartbeat, beatMs);
  }
  freeSlots.delete(slot);
  held.set(assignment.runId, supervise(assignment, slot));
}
// Engines checkpoint within a step; reports then wait for the orchestrator, but not forever: a run whose
// report never lands is requeued when its lease runs out, and resumes from the checkpoint.
const drained = await Promise.race([
  Promise.all([...held.values()].map((h) => h.done)).then(() => true),
  sleep(config.drainTimeoutMs).then(() => false),
]);
if (!drained) logger.warn({ pending: [...held.keys()] }, 'drain timed out; the orchestrator requeues these runs');
clearInterval(beat);
server.close();
logger.info('worker stopped');
process.exit(0);
