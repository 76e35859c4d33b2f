import type { RunDto, SweepDetailDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrity } from '../support/fault-checks.js';
import { query } from '../support/postgres.js';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.js';
import { waitFor } from '../support/processes.js';
import { ENGINE_ENV, statusEvents, sweepFinished, tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const LEASE_SECONDS = 10;
// Long enough (about 25 s a run on an idle machine) that runs are still training when the database returns.
const EPOCHS = 60;

/**
 * Issue 9, proof 1: Postgres stopped (pg_ctl stop -m fast) for twice the lease while a sweep trains, on
 * real engines. The orchestrator answers 503 meanwhile, the workers keep training (a 503 is an answer, so
 * they do not fence themselves), and when the database is back every lease is extended before any expiry
 * is judged: nothing is requeued, and every epoch is stored once.
 *
 * The workers reach the orchestrator through a proxy that is cut from half a second before the database
 * returns until a second and a half after: the orchestrator's overdue lease checks then run before any heartbeat can land,
 * as they do when workers are in backoff or their requests hang on a dead connection. Without the lease
 * extension this requeues every run (checked by removing it).
 */
describe('a database outage of twice the lease (real Postgres of its own, real engines)', () => {
  let pg: PrivatePostgres;
  let stack: Stack;
  let proxy: TcpProxy;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    stack = await startStack('reslab_db_outage', { leaseSeconds: LEASE_SECONDS, databaseUrl: pg.url });
    proxy = await startTcpProxy(stack.apiUrl);
    for (const name of ['outage-a', 'outage-b']) {
      await stack.startWorker(name, { apiUrl: proxy.url, env: ENGINE_ENV });
    }
  });

  afterAll(async () => {
    await proxy?.close();
    await stack?.stop();
    pg?.destroy();
  });

  it('requeues nothing, and every run succeeds with each (run, epoch, split) stored once', async () => {
    const { body: sweep } = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'database outage',
      base: tinyConfig({ epochs: EPOCHS }),
      grid: { seed: [0, 1, 2, 3] },
    });
    expect(sweep.runs).toHaveLength(4);
    // Both workers busy, each run at least one epoch in.
    await waitFor(
      'two running runs with an epoch stored',
      async () => {
        const rows = await api<{ status: number }>(stack, 'GET', '/health');
        if (rows.status !== 200) return undefined;
        const runs = (await api<SweepDetailDto>(stack, 'GET', `/sweeps/${sweep.id}`)).body.runs;
        const started = runs.filter((r) => r.status === 'running' && r.final.train);
        return started.length >= 2 ? true : undefined;
      },
      60_000,
    );

    pg.stop();
    const downAt = Date.now();
    const during = await waitFor('the orchestrator to report degraded', async () => {
      const { body } = await api<{ status: string; database: string }>(stack, 'GET', '/health');
      return body.status === 'degraded' ? body : undefined;
    });
    expect(during.database).toBe('unreachable');
    const heartbeatAnswer = await api(stack, 'GET', '/runs?limit=1');
    expect(heartbeatAnswer.status).toBe(503);
    await new Promise((r) => setTimeout(r, 2 * LEASE_SECONDS * 1000 - 500 - (Date.now() - downAt)));
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 500));
    pg.start();
    await new Promise((r) => setTimeout(r, 1500));
    await proxy.heal();

    await waitFor('the orchestrator to report ok', async () => {
      const { body } = await api<{ status: string }>(stack, 'GET', '/health');
      return body.status === 'ok' ? true : undefined;
    });
    // A lease and a repair period later, with runs still training, the repair queries find nothing.
    await new Promise((r) => setTimeout(r, (LEASE_SECONDS + 1) * 1000));
    const midway = await integrity(stack.db.url, []);
    expect({ queued: midway.queuedWithoutJob, running: midway.runningWithoutLeaseCheck }).toEqual({
      queued: 0,
      running: 0,
    });

    const runs: RunDto[] = await sweepFinished(stack, sweep.id, 240_000);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const why = await query<{ payload: unknown }>(
      stack.db.url,
      `SELECT payload FROM "RunEvent" WHERE type = 'status' AND payload->>'status' = 'queued' AND (payload->>'attempt')::int > 0`,
    );
    expect(
      runs.map((r) => r.attempt),
      JSON.stringify(why),
    ).toEqual([1, 1, 1, 1]);
    const requeues = (await statusEvents(stack)).filter((e) => e.status === 'queued' && e.attempt > 0);
    expect(requeues).toEqual([]);
    expect(
      await integrity(
        stack.db.url,
        runs.map((r) => ({ id: r.id, epochs: EPOCHS })),
      ),
    ).toEqual({
      duplicateRows: 0,
      missingEpochs: 0,
      queuedWithoutJob: 0,
      runningWithoutLeaseCheck: 0,
    });
    // The workers rode it out: neither exited, neither fenced itself.
    for (const worker of stack.workers) {
      expect(worker.child.exitCode).toBeNull();
      expect(worker.output()).not.toMatch(/fenced itself/);
    }
  }, 300_000);
});
