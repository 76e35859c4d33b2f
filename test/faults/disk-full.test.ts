import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrity } from '../support/fault-checks.js';
import { waitFor } from '../support/processes.js';
import { ENGINE_ENV, metricsOf, runWhen, tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

// Long enough that epochs are still coming when the disk fills.
const EPOCHS = 40;

/** Fills the filesystem holding `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    for (let n = 1; ; ) {
      try {
        writeSync(fd, Buffer.alloc(n));
      } catch {
        break;
      }
      n = Math.min(n * 2, 4096);
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

/**
 * Issue 9, proof 6: the worker's outbox lives on a 256 KiB tmpfs, which is filled to the last byte while the
 * orchestrator is down and epochs pile up. The worker logs the full disk, keeps the items in memory and
 * stays up; once space is freed and the orchestrator is back, every epoch is delivered. Real engine.
 */
describe('a full disk under the outbox (tmpfs, real engine)', () => {
  let stack: Stack;
  let outboxDir: string;
  let mounted = false;

  beforeAll(async () => {
    stack = await startStack('reslab_disk_full');
    outboxDir = join(stack.workDir, 'full', 'outbox');
    mkdirSync(outboxDir, { recursive: true });
    // A real small filesystem, never a simulated ENOSPC. Mounting needs root (CI runs as root); without it this
    // test fails saying so rather than passing on something else.
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', outboxDir], { stdio: 'pipe' });
      mounted = true;
    } catch (error) {
      throw new Error(`the full-disk test mounts a 256 KiB tmpfs and needs root: ${(error as Error).message}`);
    }
    await stack.startWorker('full', { env: ENGINE_ENV });
  });

  afterAll(async () => {
    await stack?.stop().catch(() => {});
    if (mounted) execFileSync('umount', ['-l', outboxDir]);
  });

  it('logs it, stays up, and delivers every epoch once space is freed', async () => {
    const { body: run } = await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig({ epochs: EPOCHS }) });
    await waitFor('an epoch stored', async () => ((await metricsOf(stack, run.id)).length ? true : undefined));
    await stack.stopOrchestrator();
    const filler = fill(outboxDir);
    const worker = stack.workers[0];
    await waitFor('the worker to hit the full disk', async () =>
      /outbox journal cannot be written/.test(worker?.output() ?? '') ? true : undefined,
    );
    expect(worker?.output()).toMatch(/"code":"ENOSPC"/);
    expect(worker?.child.exitCode).toBeNull();

    rmSync(filler);
    await stack.startOrchestrator();
    const done = await runWhen(stack, run.id, (r) => r.status === 'succeeded', 180_000);
    expect(done.attempt).toBe(1);
    expect(worker?.child.exitCode).toBeNull();
    expect(await integrity(stack.db.url, [{ id: run.id, epochs: EPOCHS }])).toMatchObject({
      duplicateRows: 0,
      missingEpochs: 0,
    });
  }, 240_000);
});
