import type { RunDto, WorkerDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrity } from '../support/fault-checks.js';
import { pidsMatching, waitFor } from '../support/processes.js';
import { ENGINE_ENV, metricsOf, runWhen, statusEvents, tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const LEASE_SECONDS = 4;
// Long enough (about 15 s on an idle machine) that the run cannot end before the cut-off worker's lease does.
const EPOCHS = 40;

/** Metrics without wall-clock fields, for comparing two runs of one seed. */
const comparable = (metrics: Awaited<ReturnType<typeof metricsOf>>) =>
  metrics.map(({ runId: _r, seconds: _s, ...rest }) => rest);

/**
 * Issue 9, proof 2: a worker cut off from the orchestrator (its API traffic goes through a proxy the test
 * cuts) past the lease, then reconnected. It stops its own engine within a lease, the run resumes on the
 * other worker as attempt 2, the first attempt's late writes are fenced (409) and change nothing, and the
 * result equals an uninterrupted run of the same seed. Real engines.
 */
describe('a worker partitioned from the orchestrator past its lease', () => {
  let stack: Stack;
  let proxy: TcpProxy;

  beforeAll(async () => {
    stack = await startStack('reslab_partition', { leaseSeconds: LEASE_SECONDS });
    proxy = await startTcpProxy(stack.apiUrl);
    await stack.startWorker('cut-off', {
      apiUrl: proxy.url,
      env: { ...ENGINE_ENV, RESLAB_WORKER_KILL_GRACE_MS: '5000' },
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await stack?.stop();
  });

  it('fences itself, the run resumes elsewhere, and its late writes change nothing', async () => {
    const config = tinyConfig({ epochs: EPOCHS, seed: 7 });
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { config });
    await waitFor('two epochs stored by the first worker', async () =>
      (await metricsOf(stack, run.id)).filter((m) => m.split === 'train').length >= 2 ? true : undefined,
    );
    const [cutOff] = stack.workers;
    const other = await stack.startWorker('other', { env: ENGINE_ENV });
    const engineOf = (attempt: number) => `${run.id}/attempt-${attempt}`;
    expect(pidsMatching(engineOf(1))).toHaveLength(1);

    await proxy.cut();
    // The cut-off worker stops its engine on its own: nobody could have told it to.
    await waitFor('the cut-off worker to stop its engine', async () =>
      pidsMatching(engineOf(1)).length === 0 ? true : undefined,
    );
    expect(cutOff?.output()).toMatch(/no heartbeat answered for a whole lease/);
    const { body: workers } = await api<WorkerDto[]>(stack, 'GET', '/workers');
    const otherId = workers.find((w) => w.name === 'other')?.id;
    const resumed = await runWhen(stack, run.id, (r) => r.attempt === 2 && r.status !== 'queued', 60_000);
    expect(resumed.workerId).toBe(otherId);

    await proxy.heal();
    await waitFor('the cut-off worker to learn its attempt was fenced', async () =>
      /attempt fenced by the orchestrator/.test(cutOff?.output() ?? '') ? true : undefined,
    );
    const done = await runWhen(stack, run.id, (r) => r.status === 'succeeded', 120_000);
    expect(done.attempt).toBe(2);
    expect(done.workerId).toBe(otherId);
    const story = (await statusEvents(stack)).filter((e) => e.runId === run.id).map((e) => `${e.status}@${e.attempt}`);
    expect(story).toEqual(['queued@0', 'running@1', 'queued@1', 'running@2', 'succeeded@2']);

    // The same seed uninterrupted, on the same platform: every metric equal, to the last digit.
    const { body: reference } = await api<RunDto>(stack, 'POST', '/runs', { config });
    await runWhen(stack, reference.id, (r) => r.status === 'succeeded', 120_000);
    expect(comparable(await metricsOf(stack, run.id))).toEqual(comparable(await metricsOf(stack, reference.id)));
    const counts = await integrity(stack.db.url, [
      { id: run.id, epochs: EPOCHS },
      { id: reference.id, epochs: EPOCHS },
    ]);
    expect(counts).toMatchObject({ duplicateRows: 0, missingEpochs: 0 });
    expect(other.child.exitCode).toBeNull();
  }, 300_000);
});
