import { join } from 'node:path';
import type { RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { type ManagedProcess, startProcess, waitFor } from '../support/processes.js';
import { tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

const CLI = join(REPO_ROOT, 'apps/cli/dist/main.js');
const DEMO = join(REPO_ROOT, 'infra/demo/degradation-sweep.mjs');

/** Waits for `pattern` in a process's output; fails early, with the output, if the process exits first. */
function printed(proc: ManagedProcess, pattern: RegExp, timeoutMs = 60_000): Promise<true> {
  return waitFor(
    `${pattern} in the output`,
    async () => {
      if (pattern.test(proc.output())) return true;
      if (proc.child.exitCode !== null) throw new Error(`exited ${proc.child.exitCode} first:\n${proc.output()}`);
      return undefined;
    },
    timeoutMs,
  );
}

describe('clients ride out an orchestrator outage (FAKE engine; real orchestrator, Postgres, CLI and demo script)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_outage_clients');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reslab runs follow keeps following while the orchestrator is down, then exits 0 when the run succeeds', async () => {
    // Epochs of a second each: the run is still training when the orchestrator stops after its first epoch.
    await stack.startWorker('outage-follow', {
      env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_FAKE_EPOCH_MS: '1000' },
    });
    const epochs = 10;
    const created = await api<RunDto>(stack, 'POST', '/runs', {
      experiment: 'outage',
      name: 'follow through an outage',
      config: tinyConfig({ epochs }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const runId = created.body.id;

    const follow = startProcess('node', [CLI, '--api', stack.apiUrl, 'runs', 'follow', runId], {
      RESLAB_API_URL: '',
      RESLAB_API_KEY: stack.admin.apiKey,
    });
    try {
      await printed(follow, /epoch +1\/10 +train/);
      await stack.stopOrchestrator();
      await printed(follow, /orchestrator unreachable, retrying in \d+ s/);
      await stack.startOrchestrator();

      const code = await follow.exited;
      const output = follow.output();
      expect(code, output).toBe(0);
      expect(output).toContain('orchestrator reachable again');
      expect(output).toContain(`run ${runId} succeeded`);
      // Every epoch once: those trained during the outage are replayed, none is printed twice.
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const lines = output.match(new RegExp(`epoch +${epoch}/${epochs} +train`, 'g')) ?? [];
        expect(lines.length, `epoch ${epoch}:\n${output}`).toBe(1);
      }
      // One line per change of state, not one per attempt.
      expect(output.match(/orchestrator unreachable/g)?.length, output).toBe(1);
    } finally {
      await follow.stop();
      await Promise.all(stack.workers.map((w) => w.stop()));
      stack.workers.length = 0;
    }
  });

  it('the demo follower (infra/demo/degradation-sweep.mjs) survives an orchestrator restart and reports the sweep', async () => {
    // No worker yet: the sweep stays queued, so the follower is still following when the orchestrator stops.
    const demo = startProcess('node', [DEMO, stack.apiUrl], { RESLAB_API_KEY: stack.admin.apiKey });
    try {
      await printed(demo, /\[demo\] submitted sweep [0-9a-f-]{36} \(8 runs\)/);
      await stack.stopOrchestrator();
      await printed(demo, /\[demo\] orchestrator unreachable, retrying in \d+ s/);
      await stack.startOrchestrator();
      await stack.startWorker('outage-demo', {
        env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, RESLAB_WORKER_SLOTS: '4' },
      });

      const code = await demo.exited;
      const output = demo.output();
      expect(code, output).toBe(0);
      expect(output).toContain('[demo] orchestrator reachable again');
      expect(output).toContain('[demo] sweep finished');
      expect(output.match(/ succeeded$/gm)?.length, output).toBe(8);
    } finally {
      await demo.stop();
    }
  });
});
