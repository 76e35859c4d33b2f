import type { RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWhen, statusEvents, tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

describe('priorities (FAKE engine): higher-priority runs are claimed first', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_sched_priority');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('starts queued runs by priority, highest first, whatever the order they were submitted in', async () => {
    const priorities = [0, 5, -3, 10];
    const runs: RunDto[] = [];
    for (const priority of priorities) {
      const { status, body } = await api<RunDto>(stack, 'POST', '/runs', {
        name: `priority ${priority}`,
        priority,
        config: tinyConfig({ epochs: 1 }),
      });
      expect(status).toBe(201);
      expect(body.priority).toBe(priority);
      runs.push(body);
    }
    // One slot, started only once everything is queued: the claim order is the queue's order.
    await stack.startWorker('priority-worker', { env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND } });
    for (const run of runs) await runWhen(stack, run.id, (r) => r.status === 'succeeded', 60_000);

    const started = (await statusEvents(stack)).filter((e) => e.status === 'running').map((e) => e.runId);
    const priorityOf = new Map(runs.map((r) => [r.id, r.priority]));
    expect(started.map((id) => priorityOf.get(id))).toEqual([10, 5, 0, -3]);
  });
});
