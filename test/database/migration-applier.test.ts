import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../apps/orchestrator/src/database/migrations.js';
import { MIGRATIONS_DIR } from '../support/paths.js';
import { createScratchDatabase, query, type ScratchDatabase } from '../support/postgres.js';

describe('migration applier records migrations the way prisma migrate deploy does (real Postgres)', () => {
  let db: ScratchDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('applies each migration once, with Prisma checksum and bookkeeping', async () => {
    db = await createScratchDatabase('reslab_migrate');
    const first = await applyMigrations(db.url, MIGRATIONS_DIR);
    // Every committed migration folder, oldest first, each once.
    const committed = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(committed.slice(0, 2)).toEqual([
      '20261129070000_init',
      '20261129080000_sweeps_leases_artifacts_diagnostics',
    ]);
    expect(first).toEqual(committed);
    expect(await applyMigrations(db.url, MIGRATIONS_DIR)).toEqual([]);

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      id: string;
    }>(
      db.url,
      'SELECT id, migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const script = readFileSync(join(MIGRATIONS_DIR, '20261129070000_init', 'migration.sql'), 'utf8');
    expect(rows.map((r) => r.migration_name)).toEqual(committed);
    expect(rows[0]).toMatchObject({
      migration_name: '20261129070000_init',
      checksum: createHash('sha256').update(script).digest('hex'),
      applied_steps_count: 1,
    });
    expect(rows[0]?.finished_at).toBeInstanceOf(Date);
    expect(rows[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rolls a failing migration back whole, names its file, and records nothing', async () => {
    db = await createScratchDatabase('reslab_migrate_bad');
    const dir = mkdtempSync(join(tmpdir(), 'reslab-migrations-'));
    mkdirSync(join(dir, '001_good'));
    writeFileSync(join(dir, '001_good', 'migration.sql'), 'CREATE TABLE "A" (id int);');
    mkdirSync(join(dir, '002_bad'));
    writeFileSync(join(dir, '002_bad', 'migration.sql'), 'CREATE TABLE "B" (id int);\nSELECT * FROM "no_such_table";');

    await expect(applyMigrations(db.url, dir)).rejects.toThrow(/002_bad\/migration\.sql failed and was rolled back/);
    const names = await query<{ migration_name: string }>(db.url, 'SELECT migration_name FROM "_prisma_migrations"');
    expect(names.map((r) => r.migration_name)).toEqual(['001_good']);
    const tables = await query<{ t: string | null }>(db.url, `SELECT to_regclass('public."B"')::text AS t`);
    expect(tables[0]?.t).toBeNull();
  });
});
