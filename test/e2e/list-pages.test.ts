import type { RunDto, RunPage, SweepDetailDto, SweepPage } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, queryOne } from '../support/postgres.js';
import { tinyConfig } from '../support/runs.js';
import { api, refusal, type Stack, startStack } from '../support/stack.js';

/** A sweep's runs are inserted in one statement, so all of them share one queuedAt: only the id orders them. */
const SWEEP_RUNS = 150;

describe('GET /runs and GET /sweeps page with keyset cursors (real orchestrator and Postgres)', () => {
  let stack: Stack;
  let sweeps: SweepDetailDto[];
  let singles: RunDto[];

  beforeAll(async () => {
    stack = await startStack('reslab_pages');
    sweeps = [];
    for (const name of ['first', 'second', 'third']) {
      const { status, body } = await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
        name,
        base: tinyConfig(),
        grid: { seed: Array.from({ length: name === 'first' ? SWEEP_RUNS : 2 }, (_, i) => i) },
      });
      expect(status).toBe(201);
      sweeps.push(body);
    }
    singles = [];
    for (let i = 0; i < 3; i++)
      singles.push((await api<RunDto>(stack, 'POST', '/runs', { config: tinyConfig() })).body);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('two pages cover every run exactly once, newest first, even where runs share a timestamp', async () => {
    const { stamps } = await queryOne<{ stamps: number }>(
      stack.db.url,
      `SELECT count(DISTINCT "queuedAt")::int AS stamps FROM "Run" WHERE "sweepId" = $1`,
      [sweeps[0]?.id],
    );
    expect(stamps, 'the sweep shares one queuedAt, so the tiebreak is tested').toBe(1);
    const total = SWEEP_RUNS + 2 + 2 + singles.length;
    const limit = Math.ceil(total / 2);

    const first = (await api<RunPage>(stack, 'GET', `/runs?limit=${limit}`)).body;
    expect(first.items).toHaveLength(limit);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await api<RunPage>(stack, 'GET', `/runs?limit=${limit}&cursor=${first.nextCursor}`)).body;
    expect(second.items).toHaveLength(total - limit);
    expect(second.nextCursor).toBeNull();

    const ids = [...first.items, ...second.items].map((r) => r.id);
    expect(new Set(ids).size, 'no run twice').toBe(ids.length);
    const stored = await query<{ id: string }>(
      stack.db.url,
      `SELECT id::text AS id FROM "Run" ORDER BY "queuedAt" DESC, "Run".id DESC`,
    );
    expect(ids).toEqual(stored.map((r) => r.id));
    expect(ids.slice(0, singles.length)).toEqual(singles.map((r) => r.id).reverse());
  });

  it('pages within a filter, and answers the default page without a limit', async () => {
    const sweepId = sweeps[0]?.id as string;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/runs?sweepId=${sweepId}&limit=40${cursor ? `&cursor=${cursor}` : ''}`;
      const page: RunPage = (await api<RunPage>(stack, 'GET', path)).body;
      seen.push(...page.items.map((r) => r.id));
      expect(page.items.every((r) => r.sweepId === sweepId)).toBe(true);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(Math.ceil(SWEEP_RUNS / 40));
    expect(new Set(seen).size).toBe(SWEEP_RUNS);
    expect(seen.length).toBe(SWEEP_RUNS);

    const byDefault = (await api<RunPage>(stack, 'GET', '/runs')).body;
    expect(byDefault.items).toHaveLength(100);
  });

  it('pages sweeps the same way, with their status counts', async () => {
    const first = (await api<SweepPage>(stack, 'GET', '/sweeps?limit=2')).body;
    const second = (await api<SweepPage>(stack, 'GET', `/sweeps?limit=2&cursor=${first.nextCursor}`)).body;
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((s) => s.name)).toEqual(['third', 'second', 'first']);
    expect(second.items[0]?.counts.queued).toBe(SWEEP_RUNS);
  });

  it('answers a cursor that is not one of its own with a 400 naming `cursor`, and a limit over 1,000 naming `limit`', async () => {
    const forged = Buffer.from('yesterday|not-a-uuid').toString('base64url');
    for (const [path, field] of [
      ['/runs?cursor=bm90IGEgY3Vyc29y', 'cursor'],
      [`/runs?cursor=${forged}`, 'cursor'],
      ['/runs?cursor=%2F%2F', 'cursor'],
      ['/sweeps?cursor=abc', 'cursor'],
      ['/runs?limit=1001', 'limit'],
      ['/sweeps?limit=0', 'limit'],
    ] as const) {
      expect(await refusal(stack, path), path).toEqual({ status: 400, fields: [field] });
    }
  });
});
