import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import type { HeldAttempt, RunAssignment } from '@reslab/contracts';
import { DeadLetters } from './dead-letters.js';
import { EngineRun } from './engine-run.js';
import { EnrolmentError, obtainCredential } from './enrolment.js';
import { discoverGpus } from './gpu-discovery.js';
import { logger } from './logger.js';
import { ApiRequestError, backoffMs, isCredentialRefused, OrchestratorClient, sleep } from './orchestrator-client.js';
import { findJournals, journalPath, OutboxJournal } from './outbox-journal.js';
import { type OutboxItem, RunOutbox } from './run-outbox.js';
import { loadWorkerConfig, WorkerConfigError } from './worker-config.js';
import { CredentialFileError, credentialPath, type WorkerCredential } from './worker-credential.js';
import { WorkerMetrics } from './worker-metrics.js';

/** Exit status when the orchestrator refuses the worker's credential: restarting cannot help (systemd's
 * RestartPreventExitStatus=3), enrolling again can. 2 is a configuration error, as for every ResLab command. */
const EXIT_CREDENTIAL_REFUSED = 3;

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

const metrics = new WorkerMetrics();
const gpus = await discoverGpus();
// One slot per GPU, each engine process pinned to its own; on CPU machines, --slots. A run holds resources.gpus slots.
const slots = config.slots ?? Math.max(1, gpus.length);
const slotGpu = (slot: number): number | null => (gpus.length ? (gpus[slot % gpus.length]?.index ?? null) : null);
metrics.slots.set(slots);
const host = hostname();

let credential: WorkerCredential;
try {
  credential = await obtainCredential({
    apiUrl: config.apiUrls[0] as string,
    workDir: config.workDir,
    name: config.name,
    defaultName: `${host}-${process.pid}`,
    enrolmentToken: config.enrolmentToken,
    host,
    slots,
    log: logger,
  });
} catch (error) {
  if (error instanceof EnrolmentError || error instanceof CredentialFileError) {
    console.error(`reslab-worker: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

/** One attempt of one run this worker answers for: its engine while it runs, its outbox until delivered. */
interface Attempt extends HeldAttempt {
  outbox: RunOutbox;
  engine: EngineRun | null;
  /** Resolves once the engine has exited and the outbox is delivered or fenced. */
  done: Promise<void>;
}
// Keyed by run and attempt: a worker that claims a run again (its lease ran out, the run came back to the
// queue) holds two attempts of it for a moment, each with its own engine, folder and outbox.
const attempts = new Map<string, Attempt>();
const keyOf = (runId: string, attempt: number) => `${runId}#${attempt}`;
let slotFreed: () => void = () => {};
let draining = false;
/** Set once the orchestrator has refused the worker's secret (401): an admin revoked it, or it is unknown there. */
let refused = false;

/**
 * A revoked worker must stop at once: its engines are stopped through the same path as a self-fence (SIGTERM, a
 * checkpoint, SIGKILL after the grace period), it claims nothing more, and it exits once they are gone. Retrying
 * cannot help; an admin's new enrolment token can.
 */
function credentialRefused(): void {
  refused = true;
  logger.error(
    { workerId: credential.workerId, credentialFile: credentialPath(config.workDir) },
    'worker credential refused: revoked or unknown; enrol again',
  );
  for (const { engine } of attempts.values()) {
    engine?.stop({ graceMs: config.killGraceMs, reason: "the orchestrator refused this worker's credential" });
  }
  slotFreed();
}

const api = new OrchestratorClient(config.apiUrls, credential.secret, credentialRefused);
let worker: Awaited<ReturnType<OrchestratorClient['register']>>;
try {
  worker = await api.withRetry(() => api.register({ name: credential.name, host, slots, gpus }), 20);
} catch (error) {
  if (isCredentialRefused(error)) process.exit(EXIT_CREDENTIAL_REFUSED);
  throw error;
}
logger.info(
  { workerId: worker.id, name: worker.name, slots, gpus: gpus.length, dataDirs: config.dataDirs },
  'worker registered',
);

const outboxDir = join(config.workDir, 'outbox');
const deadLetters = new DeadLetters(join(config.workDir, 'dead-letters.jsonl'), logger);

const freeSlots = new Set(Array.from({ length: slots }, (_, i) => i));

const server = await metrics.serve(config.metricsPort, () => ({
  status: draining ? 'draining' : 'ok',
  workerId: worker.id,
  running: [...attempts.values()].filter((a) => a.engine).map((a) => a.runId),
  deadLetters: deadLetters.summary().count,
}));
const address = server.address();
logger.info({ port: typeof address === 'object' && address ? address.port : null }, 'health and metrics listening');

function openOutbox(runId: string, attempt: number): RunOutbox {
  const log = logger.child({ runId, attempt });
  const journal = new OutboxJournal<OutboxItem>(journalPath(outboxDir, runId, attempt), log);
  return new RunOutbox(runId, attempt, worker.id, journal, api, deadLetters, log, {
    onDelivered: (item) => {
      if (item.kind === 'events') metrics.eventsForwarded.inc(item.events.length);
    },
    // The run has moved on without this attempt: stop its engine now rather than at the next heartbeat.
    onFenced: () =>
      attempts.get(keyOf(runId, attempt))?.engine?.stop({
        graceMs: config.killGraceMs,
        reason: 'the orchestrator fenced this attempt',
      }),
  });
}

/** The slots a run holds on each of its nodes: resources.gpus; an analysis job one. */
function slotsOf(assignment: RunAssignment): number {
  return assignment.analysis ? 1 : assignment.config.resources.gpus;
}

function supervise(assignment: RunAssignment, held: number[]): Attempt {
  const { runId, attempt } = assignment;
  const log = logger.child({ runId, attempt, ...(assignment.node && { nodeRank: assignment.node.nodeRank }) });
  const outbox = openOutbox(runId, attempt);
  // Per process: the cores shared among all slots, so a run of k slots gets k shares.
  const threads = Math.max(1, Math.floor(availableParallelism() / slots));
  const gpuIndices = held.map(slotGpu).filter((gpu): gpu is number => gpu !== null);
  const engine = new EngineRun({
    assignment,
    workerId: worker.id,
    config,
    outbox,
    log,
    slots: held.length,
    gpus: gpuIndices,
    threads,
  });
  // Node 0 owns a multi-node run's status: a node of rank > 0 reports nothing, and its end shows on node 0's torchrun.
  const reports = (assignment.node?.nodeRank ?? 0) === 0;
  const attemptHeld: Attempt = { runId, attempt, outbox, engine, done: Promise.resolve() };
  attemptHeld.done = (async () => {
    metrics.enginesRunning.inc();
    try {
      const report = await engine.run();
      metrics.engineExits.inc({ status: report.status });
      if (reports) outbox.push({ kind: 'finish', report });
      else log.info({ status: report.status, exitCode: report.exitCode }, 'gang node ended');
    } finally {
      // The slots are free as soon as the engine is gone; the report may wait on the orchestrator for long.
      metrics.enginesRunning.dec();
      attemptHeld.engine = null;
      for (const slot of held) freeSlots.add(slot);
      slotFreed();
    }
    await outbox.flushed();
    attempts.delete(keyOf(runId, attempt));
  })();
  return attemptHeld;
}

/**
 * Journals left by an earlier life of this worker (a crash, a kill -9) are delivered first. Their engines
 * died with that worker (they exit with their parent), so each gets a `cancelled` report if it had none:
 * the orchestrator requeues the run at once, and the next attempt resumes from its checkpoint.
 */
function recoverJournals(): void {
  for (const { runId, attempt } of findJournals(outboxDir)) {
    const outbox = openOutbox(runId, attempt);
    if (!outbox.pending) continue;
    logger.info({ runId, attempt, pending: outbox.pending }, 'delivering the outbox an earlier worker process left');
    if (!outbox.hasFinish) {
      outbox.push({
        kind: 'finish',
        report: {
          workerId: worker.id,
          attempt,
          status: 'cancelled',
          exitCode: null,
          signal: null,
          failureReason: 'the worker restarted and its engine was lost; resuming from the last checkpoint',
          stderrTail: null,
        },
      });
    }
    const held: Attempt = { runId, attempt, outbox, engine: null, done: Promise.resolve() };
    held.done = outbox.flushed().then(() => {
      attempts.delete(keyOf(runId, attempt));
    });
    attempts.set(keyOf(runId, attempt), held);
  }
}
recoverJournals();

// Self-fencing. The orchestrator requeues a run one lease after the last heartbeat it stored; a worker that
// has had no answer for that long must assume it happened, and stop its engines so that two never train one
// run for long. A 503 counts as an answer: the orchestrator is up without its database, and extends every
// lease by a whole one when the database comes back (DatabaseHealthService), so no run can be taken meanwhile.
let lastAnsweredAt = Date.now();
let leaseMs: number | null = null;
let beating = false;

async function heartbeat(): Promise<void> {
  if (beating) return;
  beating = true;
  const sentAt = Date.now();
  const runs = [...attempts.values()].filter((a) => !a.outbox.fenced).map(({ runId, attempt }) => ({ runId, attempt }));
  try {
    const request = { runs, draining, deadLetters: deadLetters.summary() };
    const { stop } = await api.heartbeat(worker.id, request, Math.max(1000, Math.round(beatMs)));
    lastAnsweredAt = sentAt;
    for (const { runId, attempt } of stop) {
      const engine = attempts.get(keyOf(runId, attempt))?.engine;
      if (!engine) continue;
      logger.info({ runId, attempt }, 'orchestrator asked to stop the run; sending SIGTERM to its engine');
      engine.stop({ graceMs: config.killGraceMs });
    }
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 503) lastAnsweredAt = sentAt;
    if (!isCredentialRefused(error)) logger.warn({ err: (error as Error).message }, 'heartbeat failed');
  } finally {
    beating = false;
  }
  metrics.outboxPending.set([...attempts.values()].reduce((n, a) => n + a.outbox.pending, 0));
}

function fenceIfCutOff(): void {
  if (leaseMs === null) return;
  const silentMs = Date.now() - lastAnsweredAt;
  if (silentMs < leaseMs) return;
  for (const { runId, attempt, engine } of attempts.values()) {
    if (!engine?.running || engine.stopping) continue;
    logger.warn(
      { runId, attempt, silentSeconds: Math.round(silentMs / 1000), leaseSeconds: leaseMs / 1000 },
      'no heartbeat answered for a whole lease: stopping the engine (the run may already be running elsewhere)',
    );
    engine.stop({
      graceMs: config.killGraceMs,
      reason: `the worker fenced itself: no heartbeat answered for ${Math.round(silentMs / 1000)} s (lease ${leaseMs / 1000} s)`,
    });
  }
}

// Three beats per lease, so one lost beat never costs a run. The fence is judged after each beat's answer
// (a beat times out within one interval), so an orchestrator that answers again is heard before the verdict.
let beatMs = config.heartbeatMs;
const tick = () => {
  if (refused) return;
  if (beating) fenceIfCutOff();
  else void heartbeat().then(fenceIfCutOff);
};
let beat = setInterval(tick, beatMs);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (draining) return;
    draining = true;
    logger.info({ signal, running: attempts.size }, 'draining: no new claims; engines checkpoint and stop');
    for (const a of attempts.values()) a.engine?.stop({ graceMs: config.killGraceMs });
    slotFreed();
    void heartbeat();
  });
}

let claimFailures = 0;
while (!draining && !refused) {
  if (freeSlots.size === 0) {
    await new Promise<void>((resolve) => {
      slotFreed = resolve;
    });
    continue;
  }
  let assignment: RunAssignment | null = null;
  try {
    assignment = await api.claim(worker.id, config.runId ?? undefined, freeSlots.size);
    claimFailures = 0;
  } catch (error) {
    if (refused) break;
    // Backoff, and one line per outage: the idle poll (200 ms in tests) would otherwise log five lines a second.
    if (claimFailures++ === 0) logger.warn({ err: (error as Error).message }, 'claim failed; retrying with backoff');
    await sleep(backoffMs(claimFailures));
    continue;
  }
  if (!assignment && config.runId) {
    logger.info({ runId: config.runId }, 'one-run mode: the run is not queued for this worker (cancelled or taken)');
    break;
  }
  if (!assignment) {
    await sleep(config.idleMs);
    continue;
  }
  if (refused) break; // refused while the claim was in flight (a heartbeat's 401): the run's lease will lapse
  const assignedLeaseMs = assignment.leaseSeconds * 1000;
  leaseMs = Math.min(leaseMs ?? assignedLeaseMs, assignedLeaseMs);
  const leaseBeatMs = Math.max(250, assignedLeaseMs / 3);
  if (leaseBeatMs < beatMs) {
    beatMs = leaseBeatMs;
    clearInterval(beat);
    beat = setInterval(tick, beatMs);
  }
  // The orchestrator gives only a run that fits the free slots this claim named; the lowest-numbered are taken.
  const taken = [...freeSlots].sort((a, b) => a - b).slice(0, slotsOf(assignment));
  for (const slot of taken) freeSlots.delete(slot);
  attempts.set(keyOf(assignment.runId, assignment.attempt), supervise(assignment, taken));
  if (config.runId) {
    // One-run mode claims nothing more: the engine's end (or a signal) frees the slot, and the drain below
    // waits for its report before the process, and with it the Kubernetes Job, completes.
    await new Promise<void>((resolve) => {
      slotFreed = resolve;
    });
    break;
  }
}
if (refused) {
  // The engines' reports cannot be delivered any more; wait only for the engines themselves to be gone.
  await Promise.race([Promise.all([...attempts.values()].map((a) => a.done)), sleep(config.killGraceMs + 5000)]);
  clearInterval(beat);
  server.close();
  process.exit(EXIT_CREDENTIAL_REFUSED);
}
// Engines checkpoint within a step; reports then wait for the orchestrator, but not forever: a run whose
// report never lands is requeued when its lease runs out, and resumes from the checkpoint.
const drained = await Promise.race([
  Promise.all([...attempts.values()].map((a) => a.done)).then(() => true),
  sleep(config.drainTimeoutMs).then(() => false),
]);
if (!drained) logger.warn({ pending: [...attempts.keys()] }, 'drain timed out; the orchestrator requeues these runs');
clearInterval(beat);
server.close();
logger.info('worker stopped');
// Refused while draining: the drain ended early, with the reports undeliverable; say so to whoever restarts it.
process.exit(refused ? EXIT_CREDENTIAL_REFUSED : 0);
