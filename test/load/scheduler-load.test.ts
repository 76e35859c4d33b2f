import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineEvent, type SweepDetailDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { query } from '../support/postgres.js';
import { waitFor } from '../support/processes.js';
import { expectedKeys, holderViolations, statusEvents, sweepFinished, tinyConfig } from '../support/runs.js';
import { api, FAKE_ENGINE_COMMAND, type Stack, startStack } from '../support/stack.js';

const RUNS = 300;
const WORKERS = 20;
const EPOCHS = 2;

describe('scheduler under load: 300 runs, 20 workers (FAKE engine)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // A longer lease than the other tests: 20 workers, their engines and the orchestrator share 2 cores.
    stack = await startStack('reslab_load', { leaseSeconds: 10 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('the fake engine speaks the engine contract', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reslab-fake-engine-'));
    try {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify(tinyConfig({ epochs: EPOCHS })));
      const [node, script] = JSON.parse(FAKE_ENGINE_COMMAND) as [string, string];
      const stdout = execFileSync(node, [script, 'train', '--config', config, '--out', dir, '--resume', dir], {
        cwd: REPO_ROOT,
      }).toString();
      const events = stdout
        .trim()
        .split('\n')
        .map((line) => EngineEvent.parse(JSON.parse(line)));
      expect(events.map((e) => (e.type === 'epoch_metric' ? `${e.epoch}:${e.split}` : e.type))).toEqual([
        'run_started',
        '1:train',
        '1:val',
        'checkpoint',
        '2:train',
        '2:val',
        'checkpoint',
        '2:test',
        'run_finished',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('assigns no run twice and finishes every run', { timeout: 120_000 }, async () => {
    // Workers first, so they claim while the sweep's runs are still being enqueued.
    await Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        stack.startWorker(`load-${i}`, { env: { RESLAB_ENGINE_COMMAND: FAKE_ENGINE_COMMAND, LOG_LEVEL: 'warn' } }),
      ),
    );
    await waitFor('every worker to register', async () => {
      const { body } = await api<unknown[]>(stack, 'GET', '/workers');
      return body.length === WORKERS ? true : undefined;
    });

    const started = Date.now();
    const created = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
      name: 'load',
      base: tinyConfig({ epochs: EPOCHS }),
      grid: { seed: Array.from({ length: RUNS }, (_, i) => i) },
    });
    expect(created.status).toBe(201);
    expect(created.body.runs).toHaveLength(RUNS);
    const runs = await sweepFinished(stack, created.body.id, 90_000);
    console.log(`${RUNS} runs on ${WORKERS} workers in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const notOk = runs.filter((r) => r.status !== 'succeeded' || r.attempt !== 1);
    expect(
      notOk.map((r) => `${r.name}: ${r.status} attempt ${r.attempt} ${r.failureReason ?? ''}`),
      'every run succeeded on its first attempt',
    ).toEqual([]);

    // One claim per run in the event log, and no run ever with two holders.
    const events = await statusEvents(stack);
    expect(holderViolations(events)).toEqual([]);
    const stories = new Map<string, string[]>();
    for (const e of events) stories.set(e.runId, [...(stories.get(e.runId) ?? []), e.status]);
    const odd = [...stories].filter(([, story]) => story.join() !== 'queued,running,succeeded');
    expect(odd.slice(0, 5), `${odd.length} runs with another story`).toEqual([]);

    // One engine process per run: the fake engine notes each start in its attempt's folder (one attempt each, above).
    const starts = runs.map(
      (r) =>
        readFileSync(join(stack.workDir, 'artifacts', 'runs', r.id, 'attempt-1', 'fake-engine-starts.jsonl'), 'utf8')
          .trim()
          .split('\n').length,
    );
    expect(starts.filter((n) => n !== 1)).toEqual([]);

    const rows = await query<{ keys: string }>(
      stack.db.url,
      `SELECT string_agg(epoch || ':' || split, ',' ORDER BY epoch || ':' || split::text) AS keys
         FROM "EpochMetric" GROUP BY "runId"`,
    );
    expect(rows).toHaveLength(RUNS);
    expect(new Set(rows.map((r) => r.keys))).toEqual(new Set([expectedKeys(EPOCHS).join(',')]));

    const holders = new Set(runs.map((r) => r.workerId));
    expect(holders.size, 'the work is spread over the workers').toBeGreaterThan(WORKERS / 2);
    await waitFor('workers to report no running runs', async () => {
      const { body } = await api<{ runningRunIds: string[] }[]>(stack, 'GET', '/workers');
      return body.every((w) => w.runningRunIds.length === 0) ? true : undefined;
    });
  });
});
