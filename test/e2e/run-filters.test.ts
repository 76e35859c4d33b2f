import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiError, RunCurvesDto, RunDto, RunPage, SweepDetailDto, SweepMetricsDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createTeam } from '../support/identity.js';
import { REPO_ROOT } from '../support/paths.js';
import { query } from '../support/postgres.js';
import { tinyConfig } from '../support/runs.js';
import { api, refusal, type Stack, startStack } from '../support/stack.js';

/** Every page of `path` (which has its own query), following nextCursor. */
async function allPages(stack: Stack, path: string): Promise<{ runs: RunDto[]; pages: number }> {
  const runs: RunDto[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer: { status: number; body: RunPage } = await api<RunPage>(
      stack,
      'GET',
      `${path}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(answer.status, path).toBe(200);
    runs.push(...answer.body.items);
    cursor = answer.body.nextCursor;
    pages += 1;
  } while (cursor);
  return { runs, pages };
}

interface Final {
  id: string;
  loss: number | null;
  accuracy: number | null;
  f1: number | null;
}

/** Sorted as GET /runs must: by value then id, both in `order`, runs without a val epoch last. */
function expectedOrder(finals: Final[], metric: 'loss' | 'accuracy' | 'f1', order: 'asc' | 'desc'): string[] {
  const sign = order === 'asc' ? 1 : -1;
  return [...finals]
    .sort((a, b) => {
      const [x, y] = [a[metric], b[metric]];
      if (x === null || y === null) return x === y ? sign * a.id.localeCompare(b.id) : x === null ? 1 : -1;
      return x !== y ? sign * (x - y) : sign * a.id.localeCompare(b.id);
    })
    .map((f) => f.id);
}

describe('GET /runs filters and sorts by final metrics; GET /sweeps/:id/metrics (real orchestrator and Postgres)', () => {
  let stack: Stack;
  let grid: SweepDetailDto;
  let pair: SweepDetailDto;
  let single: RunDto;
  /** Runs of `grid` that get epochs: all but the last three. */
  let measured: RunDto[];

  beforeAll(async () => {
    stack = await startStack('reslab_filters');
    grid = (
      await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
        name: 'grid',
        base: tinyConfig(),
        grid: { 'model.arch': ['plain', 'resnet'], 'model.depth': [8, 14, 20], seed: [0, 1, 2] },
      })
    ).body;
    pair = (
      await api<SweepDetailDto>(stack, 'POST', '/sweeps', { name: 'pair', base: tinyConfig(), grid: { seed: [0, 1] } })
    ).body;
    single = (
      await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig({ model: { arch: 'resnet', depth: 20 } }) })
    ).body;
    expect(grid.runs).toHaveLength(18);

    // Three epochs of train and val for 15 runs, as ingest stores them. Runs i and i + 13 tie on accuracy and
    // i and i + 11 on f1, so the id must order them.
    measured = grid.runs.slice(0, 15);
    const rows: unknown[][] = [];
    measured.forEach((run, i) => {
      for (let epoch = 1; epoch <= 3; epoch++) {
        for (const split of ['train', 'val']) {
          const accuracy = 0.5 + 0.01 * ((i * 7) % 13) + 0.001 * epoch;
          rows.push([run.id, epoch, split, 2 - accuracy + i * 1e-4, accuracy, 0.4 + ((i * 5) % 11) * 0.01]);
        }
      }
    });
    await query(
      stack.db.url,
      `INSERT INTO "EpochMetric" ("runId", epoch, split, loss, accuracy, precision, recall, f1, "perClass", lr, seconds)
       SELECT r[1]::uuid, r[2]::int, r[3]::"Split", r[4]::float8, r[5]::float8, 0.5, 0.5, r[6]::float8, '[]', 0.1, 1
         FROM jsonb_array_elements($1::jsonb) AS j, LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(j))) AS a(r)`,
      [JSON.stringify(rows)],
    );
    await query(stack.db.url, `UPDATE "Run" SET status = 'succeeded' WHERE id = ANY($1::uuid[])`, [
      measured.slice(0, 10).map((r) => r.id),
    ]);
    await query(stack.db.url, `UPDATE "Run" SET status = 'failed' WHERE id = ANY($1::uuid[])`, [
      measured.slice(10, 12).map((r) => r.id),
    ]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function finalsOf(sweepId: string): Promise<Final[]> {
    return query<Final>(
      stack.db.url,
      `SELECT r.id::text AS id, m.loss, m.accuracy, m.f1 FROM "Run" r
         LEFT JOIN LATERAL (SELECT loss, accuracy, f1 FROM "EpochMetric"
                             WHERE "runId" = r.id AND split = 'val' ORDER BY epoch DESC LIMIT 1) m ON true
        WHERE r."sweepId" = $1`,
      [sweepId],
    );
  }

  it('filters by one or several statuses, by sweep, family and depth, each alone and together', async () => {
    const all = [...grid.runs, ...pair.runs, single];
    const stored = await query<{ id: string; status: string }>(
      stack.db.url,
      `SELECT id::text, status::text FROM "Run"`,
    );
    const statusOf = new Map(stored.map((r) => [r.id, r.status]));
    const ids = async (q: string) => (await allPages(stack, `/runs?limit=7&${q}`)).runs.map((r) => r.id).sort();
    const where = (keep: (r: RunDto) => boolean) =>
      all
        .filter(keep)
        .map((r) => r.id)
        .sort();

    expect(await ids('status=succeeded')).toEqual(where((r) => statusOf.get(r.id) === 'succeeded'));
    expect(await ids('status=succeeded,failed')).toEqual(
      where((r) => ['succeeded', 'failed'].includes(statusOf.get(r.id) ?? '')),
    );
    expect(await ids('status=failed&status=queued')).toEqual(
      where((r) => ['failed', 'queued'].includes(statusOf.get(r.id) ?? '')),
    );
    expect(await ids('arch=plain')).toEqual(where((r) => r.config.model.arch === 'plain'));
    expect(await ids('depth=8,20')).toEqual(where((r) => [8, 20].includes(r.config.model.depth)));
    expect(await ids(`arch=resnet&depth=20`)).toEqual(
      where((r) => r.config.model.arch === 'resnet' && r.config.model.depth === 20),
    );
    expect(await ids(`sweepId=${grid.id}&arch=resnet&depth=8&status=succeeded`)).toEqual(
      where(
        (r) =>
          r.sweepId === grid.id &&
          r.config.model.arch === 'resnet' &&
          r.config.model.depth === 8 &&
          statusOf.get(r.id) === 'succeeded',
      ),
    );
    expect(await ids(`sweepId=${pair.id}&arch=plain`)).toEqual([]);
  });

  it('sorts by each final val metric, best first by default, across pages of 4, runs without a val epoch last', async () => {
    const finals = await finalsOf(grid.id);
    expect(finals.filter((f) => f.accuracy === null)).toHaveLength(3);
    for (const [sort, metric, order] of [
      ['valAccuracy', 'accuracy', 'desc'],
      ['valF1', 'f1', 'desc'],
      ['valLoss', 'loss', 'asc'],
      ['valAccuracy', 'accuracy', 'asc'],
      ['valLoss', 'loss', 'desc'],
    ] as const) {
      const explicit = order === (metric === 'loss' ? 'asc' : 'desc') ? '' : `&order=${order}`;
      const { runs, pages } = await allPages(stack, `/runs?sweepId=${grid.id}&limit=4&sort=${sort}${explicit}`);
      expect(pages, `${sort} ${order}`).toBe(5);
      expect(
        runs.map((r) => r.id),
        `${sort} ${order}`,
      ).toEqual(expectedOrder(finals, metric, order));
    }
    const best = (await api<RunPage>(stack, 'GET', `/runs?sweepId=${grid.id}&sort=valAccuracy&limit=1`)).body.items[0];
    const top = finals.reduce((a, b) => ((b.accuracy ?? -1) > (a.accuracy ?? -1) ? b : a));
    expect(best?.finalVal).toEqual({ epoch: 3, loss: top.loss, accuracy: top.accuracy, f1: top.f1 });
  });

  it('keeps the newest-first order and its cursors when filtered', async () => {
    const { runs } = await allPages(stack, `/runs?limit=5&depth=8`);
    const stored = await query<{ id: string }>(
      stack.db.url,
      `SELECT id::text FROM "Run" WHERE depth = 8 ORDER BY "queuedAt" DESC, id DESC`,
    );
    expect(runs.map((r) => r.id)).toEqual(stored.map((r) => r.id));
  });

  it('takes a run’s final val metrics from its highest epoch, whatever order epochs are written in', async () => {
    const run = grid.runs[16] as RunDto;
    const insert = (epoch: number, accuracy: number) =>
      query(
        stack.db.url,
        `INSERT INTO "EpochMetric" ("runId", epoch, split, loss, accuracy, precision, recall, f1, "perClass", lr, seconds)
         VALUES ($1, $2, 'val', 1, $3, 0.5, 0.5, 0.5, '[]', 0.1, 1)
         ON CONFLICT ("runId", epoch, split) DO UPDATE SET accuracy = EXCLUDED.accuracy`,
        [run.id, epoch, accuracy],
      );
    const finalVal = async () => (await api<RunDto>(stack, 'GET', `/runs/${run.id}`)).body.finalVal;
    expect(await finalVal()).toBeNull();
    await insert(5, 0.9);
    await insert(4, 0.1);
    expect(await finalVal()).toMatchObject({ epoch: 5, accuracy: 0.9 });
    await insert(5, 0.8);
    expect(await finalVal()).toMatchObject({ epoch: 5, accuracy: 0.8 });
    await query(stack.db.url, `DELETE FROM "EpochMetric" WHERE "runId" = $1`, [run.id]);
    await query(
      stack.db.url,
      `UPDATE "Run" SET "finalValEpoch" = NULL, "finalValLoss" = NULL, "finalValAccuracy" = NULL, "finalValF1" = NULL
        WHERE id = $1`,
      [run.id],
    );
  });

  it('answers bad filter values, sorts and cursors with a 400 naming the field', async () => {
    const byQueuedAt = (await api<RunPage>(stack, 'GET', '/runs?limit=1')).body.nextCursor;
    const byAccuracy = (await api<RunPage>(stack, 'GET', '/runs?limit=1&sort=valAccuracy')).body.nextCursor;
    for (const [path, field] of [
      ['/runs?status=done', 'status.0'],
      ['/runs?status=queued,bogus', 'status.1'],
      ['/runs?arch=vgg', 'arch.0'],
      ['/runs?depth=deep', 'depth.0'],
      ['/runs?depth=1', 'depth.0'],
      ['/runs?sweepId=nope', 'sweepId'],
      ['/runs?sort=best', 'sort'],
      ['/runs?sort=valLoss&order=up', 'order'],
      [`/runs?sort=valAccuracy&cursor=${byQueuedAt}`, 'cursor'],
      [`/runs?cursor=${byAccuracy}`, 'cursor'],
      [`/runs?sort=valAccuracy&order=asc&cursor=${byAccuracy}`, 'cursor'],
    ] as const) {
      expect(await refusal(stack, path), path).toEqual({ status: 400, fields: [field] });
    }
  });

  it('reslab runs ls takes the same filters and sort, and names a bad flag', async () => {
    const reslab = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'node',
          [join(REPO_ROOT, 'apps/cli/dist/main.js'), '--api', stack.apiUrl, 'runs', 'ls', ...args],
          {
            timeout: 30_000,
            env: {
              ...process.env,
              RESLAB_API_URL: '',
              RESLAB_API_KEY: stack.admin.apiKey,
              XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'reslab-cli-config-')),
            },
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
      });
    const listed = await reslab([
      '--arch',
      'plain',
      '--depth',
      '8,20',
      '--sort',
      'valLoss',
      '--order',
      'desc',
      '--json',
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const viaApi = await allPages(stack, '/runs?arch=plain&depth=8,20&sort=valLoss&order=desc&limit=1000');
    expect((JSON.parse(listed.stdout) as RunDto[]).map((r) => r.id)).toEqual(viaApi.runs.map((r) => r.id));

    const table = await reslab([
      '--sweep',
      grid.id.slice(0, 8),
      '--status',
      'succeeded',
      '--sort',
      'valAccuracy',
      '--limit',
      '1',
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/VAL ACC\n\S+ .* succeeded .* \d+\.\d\d%\n/);

    for (const [args, flag] of [
      [['--depth', 'deep'], '--depth deep'],
      [['--sort', 'best'], '--sort best'],
      [['--status', 'queued,sleeping'], '--status queued,sleeping'],
    ] as const) {
      const bad = await reslab([...args]);
      expect(bad.code, flag).toBe(2);
      expect(bad.stderr, flag).toContain(flag);
    }
  });

  it('GET /sweeps/:id/metrics returns every curve of the sweep, columnar, as stored', async () => {
    const { status, body } = await api<SweepMetricsDto>(stack, 'GET', `/sweeps/${grid.id}/metrics`);
    expect(status).toBe(200);
    expect(body.sweepId).toBe(grid.id);
    expect(body.curves).toHaveLength(measured.length * 2);
    const stored = await query<{ runId: string; split: string; epoch: number; loss: number; accuracy: number }>(
      stack.db.url,
      `SELECT "runId"::text AS "runId", split::text, epoch, loss, accuracy, precision, recall, f1 FROM "EpochMetric"
        WHERE "runId" = ANY($1::uuid[]) ORDER BY "runId", split, epoch`,
      [grid.runs.map((r) => r.id)],
    );
    for (const curve of body.curves) {
      const rows = stored.filter((r) => r.runId === curve.runId && r.split === curve.split);
      expect(curve.epoch).toEqual(rows.map((r) => r.epoch));
      expect(curve.loss).toEqual(rows.map((r) => r.loss));
      expect(curve.accuracy).toEqual(rows.map((r) => r.accuracy));
      expect(Object.keys(curve).sort()).toEqual([
        'accuracy',
        'epoch',
        'f1',
        'loss',
        'precision',
        'recall',
        'runId',
        'split',
      ]);
    }

    const narrow = await api<SweepMetricsDto>(stack, 'GET', `/sweeps/${grid.id}/metrics?split=val&metric=accuracy`);
    expect(narrow.body.curves).toHaveLength(measured.length);
    for (const curve of narrow.body.curves) {
      expect(curve.split).toBe('val');
      expect(Object.keys(curve).sort()).toEqual(['accuracy', 'epoch', 'runId', 'split']);
    }
    const picked = [measured[2], measured[7], pair.runs[0]].map((r) => r?.id as string);
    const named = await api<RunCurvesDto>(stack, 'GET', `/runs/curves?ids=${picked.join(',')}&split=train,val`);
    expect(named.status).toBe(200);
    expect(named.body.curves.map((c) => `${c.runId}:${c.split}`)).toEqual(
      [picked[0], picked[1]].sort().flatMap((id) => [`${id}:train`, `${id}:val`]),
    );
    for (const curve of named.body.curves) {
      expect(curve).toEqual(body.curves.find((c) => c.runId === curve.runId && c.split === curve.split));
    }

    const empty = await api<SweepMetricsDto>(stack, 'GET', `/sweeps/${pair.id}/metrics`);
    expect(empty.body).toEqual({ sweepId: pair.id, curves: [] });
  });

  it('GET /sweeps/:id/metrics and /runs/curves: 400 naming a bad value, 404 for an unknown sweep or another team’s, and another team’s runs left out', async () => {
    for (const [path, field] of [
      [`/sweeps/${grid.id}/metrics?split=holdout`, 'split.0'],
      [`/sweeps/${grid.id}/metrics?metric=top1`, 'metric.0'],
      ['/sweeps/nope/metrics', 'id'],
      ['/runs/curves', 'ids'],
      ['/runs/curves?ids=nope', 'ids.0'],
      [`/runs/curves?ids=${grid.id}&split=all`, 'split.0'],
    ] as const) {
      expect(await refusal(stack, path), path).toEqual({ status: 400, fields: [field] });
    }
    expect((await api(stack, 'GET', `/sweeps/${crypto.randomUUID()}/metrics`)).status).toBe(404);

    const outsider = await createAccount(stack, 'outsider');
    await createTeam(stack, outsider.as, 'outsiders');
    const theirs = await api<SweepDetailDto>(
      stack,
      'POST',
      '/sweeps',
      { name: 'theirs', project: 'outsiders/default', base: tinyConfig(), grid: { seed: [0] } },
      outsider.as,
    );
    expect(theirs.status).toBe(201);
    expect((await api(stack, 'GET', `/sweeps/${theirs.body.id}/metrics`, undefined, outsider.as)).status).toBe(200);
    const foreign = await api<ApiError>(stack, 'GET', `/sweeps/${theirs.body.id}/metrics`);
    expect(foreign.status, 'the admin is in no team of theirs').toBe(404);
    expect((await api(stack, 'GET', `/sweeps/${grid.id}/metrics`, undefined, outsider.as)).status).toBe(404);
    const theirRunId = theirs.body.runs[0]?.id as string;
    await query(
      stack.db.url,
      `INSERT INTO "EpochMetric" ("runId", epoch, split, loss, accuracy, precision, recall, f1, "perClass", lr, seconds)
       VALUES ($1, 1, 'train', 1, 0.5, 0.5, 0.5, 0.5, '[]', 0.1, 1)`,
      [theirRunId],
    );
    const mixed = `/runs/curves?ids=${theirRunId},${measured[0]?.id}`;
    expect((await api<RunCurvesDto>(stack, 'GET', mixed)).body.curves.map((c) => c.runId)).not.toContain(theirRunId);
    expect(
      (await api<RunCurvesDto>(stack, 'GET', mixed, undefined, outsider.as)).body.curves.map((c) => c.runId),
    ).toEqual([theirRunId]);
    const theirRuns = await api<RunPage>(stack, 'GET', `/runs?sweepId=${theirs.body.id}`);
    expect(theirRuns.body.items, 'filters never reach past the team scope').toEqual([]);
  });
});
