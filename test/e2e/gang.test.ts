import type { RunDto, RunGang } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../support/postgres.js';
import { type ManagedProcess, pidsMatching, waitFor } from '../support/processes.js';
import { ENGINE_ENV, expectedKeys, metricKeys, metricsOf, runWhen, statusEvents, tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

interface LogLine {
  time: number;
  msg: string;
  runId?: string;
  node?: { nodeRank: number; nodes: number; masterAddr: string; masterPort: number } | null;
  worldSize?: number;
  status?: string;
  exitCode?: number | null;
}

/** A worker's log lines (pino JSON) about `runId` with message `msg`, in its order. */
function lines(worker: ManagedProcess, runId: string, msg: string): LogLine[] {
  return worker
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line.slice(line.indexOf('{'))) as LogLine];
      } catch {
        return [];
      }
    })
    .filter((line) => line.msg === msg && line.runId === runId);
}

/** When `runId`'s engine started or ended on whichever worker ran it (the same machine's clock for all). */
function engineTime(workers: ManagedProcess[], runId: string, msg: 'engine started' | 'engine ended'): number[] {
  return workers.flatMap((worker) => lines(worker, runId, msg).map((line) => line.time));
}

/**
 * A multi-node run (resources.nodes = 2, gpus = 1) on two worker processes of one slot each, as two "nodes" on
 * this machine: the orchestrator forms the gang all or nothing, and both workers launch torchrun with their node
 * ranks and node 0's rendezvous address, gloo over this host. Real orchestrator, workers, engine and Postgres.
 */
describe('a gang of two workers for a 2-node run (two worker processes on this machine, CPU, gloo)', () => {
  let stack: Stack;
  let workers: ManagedProcess[];

  beforeAll(async () => {
    stack = await startStack('reslab_gang', { leaseSeconds: 5 });
    workers = [
      await stack.startWorker('node-a', { env: { ...ENGINE_ENV, RESLAB_WORKER_SLOTS: '1' } }),
      await stack.startWorker('node-b', { env: { ...ENGINE_ENV, RESLAB_WORKER_SLOTS: '1' } }),
    ];
    await waitFor('both workers to register', async () => {
      const { body } = await api<unknown[]>(stack, 'GET', '/workers');
      return body.length === 2 ? true : undefined;
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('waits while one worker is busy (the other runs 1-slot runs meanwhile), then runs on both at once', async () => {
    const busy = await api<RunDto>(stack, 'POST', '/runs', { name: 'busy', config: tinyConfig({ epochs: 3 }) });
    const held = await runWhen(stack, busy.body.id, (r) => r.status === 'running', 30_000);
    const gang = await api<RunDto>(stack, 'POST', '/runs', {
      name: 'two nodes',
      config: tinyConfig({ resources: { gpus: 1, nodes: 2 } }),
    });
    expect(gang.status, JSON.stringify(gang.body)).toBe(201);
    const meanwhile = await api<RunDto>(stack, 'POST', '/runs', {
      name: 'meanwhile',
      config: tinyConfig({ epochs: 1 }),
    });

    const small = await runWhen(stack, meanwhile.body.id, (r) => r.status === 'succeeded', 60_000);
    expect(small.workerId, 'the free worker ran the 1-slot run while the gang waited').not.toBe(held.workerId);
    await runWhen(stack, busy.body.id, (r) => r.status === 'succeeded', 60_000);
    const done = await runWhen(stack, gang.body.id, (r) => r.status !== 'queued' && r.status !== 'running', 90_000);
    expect(done, `${done.failureReason}\n${done.stderrTail}`).toMatchObject({ status: 'succeeded', attempt: 1 });

    // All or nothing: the gang's engines started on both workers only after both 1-slot engines had ended, and the
    // run was claimed once (no attempt was spent on a partial gang).
    const gangStarts = engineTime(workers, gang.body.id, 'engine started');
    expect(gangStarts).toHaveLength(2);
    const smallEnds = [
      ...engineTime(workers, busy.body.id, 'engine ended'),
      ...engineTime(workers, meanwhile.body.id, 'engine ended'),
    ];
    expect(smallEnds).toHaveLength(2);
    expect(Math.min(...gangStarts)).toBeGreaterThan(Math.max(...smallEnds));
    const story = (await statusEvents(stack)).filter((e) => e.runId === gang.body.id);
    expect(story.map((e) => `${e.status}:${e.attempt}`)).toEqual(['queued:0', 'running:1', 'succeeded:1']);

    // The gang as recorded: node 0 is the worker that holds the run; both got the same rendezvous.
    const [row] = await query<{ gang: RunGang; workerId: string }>(
      stack.db.url,
      `SELECT gang, "workerId" FROM "Run" WHERE id = $1`,
      [gang.body.id],
    );
    expect(row?.gang.workerIds[0]).toBe(row?.workerId);
    expect(new Set(row?.gang.workerIds)).toEqual(new Set([held.workerId, small.workerId]));
    const nodes = workers.flatMap((w) => lines(w, gang.body.id, 'engine started').map((line) => line.node));
    expect(nodes.map((n) => n?.nodeRank).sort()).toEqual([0, 1]);
    for (const node of nodes) {
      expect(node).toMatchObject({ nodes: 2, masterAddr: row?.gang.masterAddr, masterPort: row?.gang.masterPort });
    }

    // One training across both: rank 0 (on node 0) alone reports, for a world of 2; every epoch stored once.
    const started = workers.flatMap((w) => lines(w, gang.body.id, 'run started'));
    expect(started.map((line) => line.worldSize)).toEqual([2]);
    expect(metricKeys(await metricsOf(stack, gang.body.id))).toEqual(expectedKeys(2));
    // Node 1's torchrun ends on its own once the ranks are done; its worker reports nothing and frees its slot.
    const ended = await waitFor('node 1 to end', async () => {
      const found = workers.flatMap((w) => lines(w, gang.body.id, 'gang node ended'));
      return found.length ? found : undefined;
    });
    expect(ended, JSON.stringify(ended)).toMatchObject([{ status: 'succeeded', exitCode: 0 }]);
  }, 150_000);

  it("requeues the run when node 1's worker dies, and the next gang resumes it from node 0's checkpoint", async () => {
    const data = { dataset: 'synthetic' as const, valSize: 200, trainSubset: 1200, testSubset: 200 };
    const config = tinyConfig({ resources: { gpus: 1, nodes: 2 }, epochs: 6, data });
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { name: 'lose node 1', config });
    await waitFor('the first epoch to be stored', async () =>
      (await metricsOf(stack, run.id)).length ? true : undefined,
    );
    const [row] = await query<{ gang: RunGang }>(stack.db.url, `SELECT gang FROM "Run" WHERE id = $1`, [run.id]);
    const node1 = row?.gang.workerIds[1];
    const { body: registered } = await api<{ id: string; name: string }[]>(stack, 'GET', '/workers');
    const name = registered.find((w) => w.id === node1)?.name as string;
    const index = ['node-a', 'node-b'].indexOf(name);
    await workers[index]?.stop('SIGKILL');

    // Node 1's launcher stops its ranks on its worker's death; the ranks vote to stop, rank 0 checkpoints, and
    // node 0 reports a stop without a cancel: the run goes back to the queue.
    const requeued = await runWhen(stack, run.id, (r) => r.status !== 'running', 60_000);
    expect(requeued, `${requeued.failureReason}\n${requeued.stderrTail}`).toMatchObject({
      status: 'queued',
      attempt: 1,
    });
    workers[index] = await stack.startWorker(name, { env: { ...ENGINE_ENV, RESLAB_WORKER_SLOTS: '1' } });
    const done = await runWhen(stack, run.id, (r) => r.status !== 'queued' && r.status !== 'running', 90_000);
    expect(done, `${done.failureReason}\n${done.stderrTail}`).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(done.stderrTail, 'attempt 2 resumed from the checkpoint').toMatch(/resuming .* after epoch \d+/);
    expect(metricKeys(await metricsOf(stack, run.id))).toEqual(expectedKeys(6));
    // No process of either attempt outlives it: attempt 1's node-1 launcher, orphaned by its worker's SIGKILL,
    // once stayed on for good, waiting at exit on torchrun's log-tailing thread.
    await waitFor(
      'every process of the run to exit',
      async () => (pidsMatching(run.id).length ? undefined : true),
      30_000,
    );
  }, 180_000);
});
