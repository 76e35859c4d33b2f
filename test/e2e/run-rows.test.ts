import type { ApiError, RunDto, RunPage, RunRowPage, SweepDetailDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../support/postgres.js';
import { tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

/** Every page of `path` (with its own query), following nextCursor; the pages' item lists. */
async function pages<P extends RunPage | RunRowPage>(stack: Stack, path: string): Promise<P['items'][]> {
  const all: P['items'][] = [];
  let cursor: string | null = null;
  do {
    const answer: { status: number; body: P } = await api<P>(
      stack,
      'GET',
      `${path}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(answer.status, path).toBe(200);
    all.push(answer.body.items);
    cursor = answer.body.nextCursor;
  } while (cursor);
  return all;
}

describe('GET /runs/rows: the runs list as rows (real orchestrator and Postgres)', () => {
  let stack: Stack;
  let sweep: SweepDetailDto;

  beforeAll(async () => {
    stack = await startStack('reslab_rows');
    sweep = (
      await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
        name: 'rows',
        base: tinyConfig(),
        grid: { 'model.arch': ['plain', 'resnet'], 'model.depth': [8, 14], seed: [0, 1] },
      })
    ).body;
    await api<RunDto>(stack, 'POST', '/runs', {
      name: 'alone',
      config: tinyConfig({ model: { arch: 'resnet', depth: 20 }, epochs: 3 }),
    });
    // One run with a val epoch and a failure, so finalVal and failureReason are not all null.
    const [first] = sweep.runs;
    await query(
      stack.db.url,
      `INSERT INTO "EpochMetric" ("runId", epoch, split, loss, accuracy, precision, recall, f1, "perClass", lr, seconds)
       VALUES ($1, 1, 'val', 1.5, 0.4, 0.4, 0.4, 0.35, '[]', 0.1, 1)`,
      [first?.id],
    );
    await query(stack.db.url, `UPDATE "Run" SET status = 'failed', "failureReason" = 'out of memory' WHERE id = $1`, [
      first?.id,
    ]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('gives the pages GET /runs gives, in the same order and cursors, each run cut to what the list shows', async () => {
    for (const q of ['limit=3', 'limit=4&sort=valAccuracy', `limit=2&sweepId=${sweep.id}&arch=plain`]) {
      const full = await pages<RunPage>(stack, `/runs?${q}`);
      const rows = await pages<RunRowPage>(stack, `/runs/rows?${q}`);
      expect(rows.map((p) => p.map((r) => r.id))).toEqual(full.map((p) => p.map((r) => r.id)));
      for (const [i, page] of rows.entries()) {
        for (const [j, row] of page.entries()) {
          const run = full[i]?.[j] as RunDto;
          expect(row).toEqual({
            id: run.id,
            name: run.name,
            status: run.status,
            attempt: run.attempt,
            queuedAt: run.queuedAt,
            finishedAt: run.finishedAt,
            failureReason: run.failureReason,
            sweepId: run.sweepId,
            finalVal: run.finalVal,
            model: { arch: run.config.model.arch, depth: run.config.model.depth },
            dataset: run.config.data.dataset,
            epochs: run.config.epochs,
          });
        }
      }
    }
    const failed = (await api<RunRowPage>(stack, 'GET', `/runs/rows?status=failed`)).body.items;
    expect(failed.map((r) => [r.failureReason, r.finalVal?.accuracy])).toEqual([['out of memory', 0.4]]);
    const alone = (await api<RunRowPage>(stack, 'GET', '/runs/rows?limit=1')).body.items[0];
    expect(alone).toMatchObject({ name: 'alone', model: { arch: 'resnet', depth: 20 }, epochs: 3 });
  });

  it('answers a bad query with a 400 naming the field, as GET /runs does', async () => {
    const answer = await api<ApiError>(stack, 'GET', '/runs/rows?limit=5000');
    expect(answer.status).toBe(400);
    expect(answer.body.issues?.map((i) => i.path)).toContain('limit');
    const unsigned = await fetch(`${stack.apiUrl}/runs/rows`);
    expect(unsigned.status).toBe(401);
  });
});
