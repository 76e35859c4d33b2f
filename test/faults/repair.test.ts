import type { RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrity } from '../support/fault-checks.js';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { runWhen, tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

/**
 * Issue 9, repair all the time: a run whose queue job was taken but never claimed (a crash or an outage
 * between the two) is enqueued again by the periodic repair sweep, with the orchestrator left running, and
 * then runs. The lost job is made by hand in pg-boss's table, as the crash would leave it. FAKE engine.
 */
describe('the repair sweep runs every lease, not only at boot', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_repair', { leaseSeconds: 3 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('requeues a queued run that lost its job, without a restart', async () => {
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig() });
    const lost = await query(
      stack.db.url,
      `UPDATE pgboss.job SET state = 'completed', completed_on = now() WHERE name LIKE 'runs_%' AND singleton_key = $1
        RETURNING id`,
      [run.id],
    );
    expect(lost).toHaveLength(1);
    expect((await integrity(stack.db.url, [])).queuedWithoutJob).toBe(1);
    await waitFor('the repair sweep to enqueue the run again', async () =>
      (await integrity(stack.db.url, [])).queuedWithoutJob === 0 ? true : undefined,
    );
    expect(stack.orchestrator.output()).toMatch(/queued run had no job; enqueued again/);
    await stack.startWorker('after-repair', { env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND } });
    const done = await runWhen(stack, run.id, (r) => r.status === 'succeeded');
    expect(done.attempt).toBe(1);
  });
});
