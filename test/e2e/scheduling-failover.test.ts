import type { EpochMetricDto, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../support/processes.js';
import { waitFor } from '../support/processes.js';
import {
  ENGINE_ENV,
  expectedKeys,
  holderViolations,
  metricKeys,
  metricsOf,
  pidsOf,
  runWhen,
  statusEvents,
  tinyConfig,
} from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

/** What a resumed run must reproduce exactly; wall-clock seconds may differ. */
function outcome(m: EpochMetricDto | undefined) {
  if (!m) return undefined;
  const { seconds: _seconds, ...rest } = m;
  return { ...rest, runId: undefined };
}

describe('a worker killed mid-run (real engine, real processes)', () => {
  let stack: Stack;
  const workers = new Map<string, ManagedProcess>();

  beforeAll(async () => {
    stack = await startStack('reslab_sched_failover', { leaseSeconds: 3 });
    for (const name of ['failover-a', 'failover-b'])
      workers.set(name, await stack.startWorker(name, { env: ENGINE_ENV }));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('loses its lease; the run resumes from its checkpoint on the other worker with the metrics of an uninterrupted run', async () => {
    const epochs = 5;
    const config = tinyConfig({ epochs, seed: 7, data: { dataset: 'synthetic', valSize: 200, trainSubset: 1200 } });
    const victim = (await api<RunDto>(stack, 'POST', '/runs', { name: 'killed', config })).body;
    const first = await runWhen(stack, victim.id, (r) => r.status === 'running');
    // The reference goes to the other worker, the only free one.
    const reference = (await api<RunDto>(stack, 'POST', '/runs', { name: 'uninterrupted', config })).body;

    // Kill the machine once the first checkpoint is on the shared store: the worker and its engine both go.
    await waitFor('the first checkpoint of the run', async () => {
      const { body } = await api<{ kind: string }[]>(stack, 'GET', `/runs/${victim.id}/artifacts`);
      return body.some((a) => a.kind === 'checkpoint') ? true : undefined;
    });
    const { body: workerList } = await api<{ id: string; name: string }[]>(stack, 'GET', '/workers');
    const holderName = workerList.find((w) => w.id === first.workerId)?.name ?? '';
    const holder = workers.get(holderName);
    expect(holder, `holder ${first.workerId} is one of ours`).toBeDefined();
    const engines = pidsOf(victim.id);
    expect(engines.length, 'the engine of the run is running').toBeGreaterThan(0);
    holder?.child.kill('SIGKILL');
    for (const pid of engines) process.kill(pid, 'SIGKILL');
    await holder?.exited;
    const lostAfter = (await metricsOf(stack, victim.id)).length;
    expect(lostAfter, 'killed before the run could finish').toBeLessThan(expectedKeys(epochs).length);

    const done = await runWhen(stack, victim.id, (r) => r.status !== 'queued' && r.status !== 'running', 120_000);
    expect(done, `${done.failureReason}\n${done.stderrTail}`).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(done.workerId).not.toBe(first.workerId);
    expect(done.stderrTail ?? '', 'the second attempt resumed rather than restarted').toMatch(
      /resuming .* after epoch [1-9]/,
    );

    const ref = await runWhen(stack, reference.id, (r) => r.status !== 'queued' && r.status !== 'running');
    expect(ref.status).toBe('succeeded');

    const [resumed, uninterrupted] = [await metricsOf(stack, victim.id), await metricsOf(stack, reference.id)];
    expect(metricKeys(resumed)).toEqual(expectedKeys(epochs));
    const pick = (ms: EpochMetricDto[], epoch: number, split: string) =>
      outcome(ms.find((m) => m.epoch === epoch && m.split === split));
    for (const split of ['train', 'val', 'test']) {
      expect(pick(resumed, epochs, split), `epoch ${epochs} ${split}`).toEqual(pick(uninterrupted, epochs, split));
    }

    const events = (await statusEvents(stack)).filter((e) => e.runId === victim.id);
    expect(holderViolations(events)).toEqual([]);
    expect(events.map((e) => `${e.status}:${e.attempt}`)).toEqual([
      'queued:0',
      'running:1',
      'queued:1',
      'running:2',
      'succeeded:2',
    ]);
  });
});
