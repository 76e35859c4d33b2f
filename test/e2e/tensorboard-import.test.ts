import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExternalRunDto, ExternalRunPage, MetricHistoryDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reslab } from '../support/cli.js';
import { REPO_ROOT } from '../support/paths.js';
import { api, type Stack, startStack } from '../support/stack.js';

const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');
const STEPS = 50;

/** What test/sdk/write_tensorboard.py wrote, as TensorBoard stores it: 32-bit floats, NaN as MLflow spells it. */
function expected(run: 'resnet20' | 'plain20/seed1', key: 'loss' | 'test/accuracy') {
  const index = run === 'resnet20' ? 0 : 1;
  return [...Array(STEPS).keys()].map((step) => {
    if (key === 'test/accuracy') return Math.fround(step / STEPS);
    return index === 0 && step === 7 ? 'NaN' : Math.fround((index + 1) / (step + 1));
  });
}

describe('reslab import tensorboard: event files written by torch SummaryWriter, through the built CLI', () => {
  let stack: Stack;
  let logdir: string;
  let written: { from: number; to: number };

  beforeAll(async () => {
    stack = await startStack('reslab_tensorboard');
    logdir = mkdtempSync(join(tmpdir(), 'reslab-tensorboard-'));
    const from = Date.now();
    await promisify(execFile)(PYTHON, [join(REPO_ROOT, 'test', 'sdk', 'write_tensorboard.py'), logdir]);
    written = { from, to: Date.now() };
    process.env.RESLAB_PYTHON = PYTHON;
  });

  afterAll(async () => {
    delete process.env.RESLAB_PYTHON;
    await stack?.stop();
    rmSync(logdir, { recursive: true, force: true });
  });

  const runs = async () =>
    (await api<ExternalRunPage>(stack, 'GET', '/external-runs?source=tensorboard&experiment=old-runs')).body.items;
  const history = async (runId: string, key: string) =>
    (await api<MetricHistoryDto>(stack, 'GET', `/external-runs/${runId}/metric-history?key=${encodeURIComponent(key)}`))
      .body.points;

  it('makes one run per folder with every scalar point; a second import adds just what a folder gained since', async () => {
    const first = await reslab(stack, ['import', 'tensorboard', logdir, '--experiment', 'old-runs']);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/resnet20: run [0-9a-f-]{36}: 2 scalars, 100 points, 100 new/);
    expect(first.stdout).toMatch(/plain20\/seed1: run [0-9a-f-]{36}: 2 scalars, 100 points, 100 new/);

    const imported = await runs();
    expect(imported.map((r) => r.name).sort()).toEqual(['plain20/seed1', 'resnet20']);
    for (const run of imported) {
      expect(run).toMatchObject({ source: 'tensorboard', status: 'succeeded', experiment: 'old-runs' });
      for (const key of ['loss', 'test/accuracy'] as const) {
        const points = await history(run.id, key);
        expect(points.map((p) => p.step)).toEqual([...Array(STEPS).keys()]);
        expect(points.map((p) => p.value)).toEqual(expected(run.name as 'resnet20', key));
        // Wall time in milliseconds, when the writer wrote it.
        for (const point of points) {
          expect(point.timestamp).toBeGreaterThanOrEqual(Math.floor(written.from / 1000) * 1000);
          expect(point.timestamp).toBeLessThanOrEqual(written.to);
        }
      }
    }

    // resnet20's script went on after the import: ten more steps of each scalar, in a new event file.
    await promisify(execFile)(PYTHON, [join(REPO_ROOT, 'test', 'sdk', 'write_tensorboard.py'), logdir, 'more']);
    const again = await reslab(stack, ['import', 'tensorboard', logdir, '--experiment', 'old-runs']);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(again.stdout).toMatch(/resnet20: run [0-9a-f-]{36}: 2 scalars, 120 points, 20 new, 100 already there/);
    expect(again.stdout).toMatch(/plain20\/seed1: already imported as run [0-9a-f-]{36} \(100 points\), nothing new/);
    const after = await runs();
    expect(after.map((r) => r.id).sort()).toEqual(imported.map((r) => r.id).sort());
    for (const run of after) {
      const detail = (await api<ExternalRunDto>(stack, 'GET', `/external-runs/${run.id}`)).body;
      const steps = run.name === 'resnet20' ? STEPS + 10 : STEPS;
      expect(detail.metrics.map((m) => [m.key, m.count]).sort()).toEqual([
        ['loss', steps],
        ['test/accuracy', steps],
      ]);
      const points = await history(run.id, 'loss');
      expect(points.map((p) => p.step)).toEqual([...Array(steps).keys()]);
      expect(detail.status).toBe('succeeded');
      // Ended again at the newest point: the end moved with what the import added.
      expect(Date.parse(detail.finishedAt ?? '')).toBe(points.map((p) => p.timestamp).reduce((a, b) => Math.max(a, b)));
    }
  }, 90_000);

  it('says in one line how to install the SDK when the Python lacks it', async () => {
    process.env.RESLAB_PYTHON = '/usr/bin/python3'; // Debian's, without the reslab package
    try {
      const result = await reslab(stack, ['import', 'tensorboard', logdir]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        "reslab: the reslab Python package is not installed for /usr/bin/python3: pip install ./libs/engine './libs/sdk-python[tensorboard]' (from a ResLab checkout)",
      );
    } finally {
      process.env.RESLAB_PYTHON = PYTHON;
    }
  });
});
