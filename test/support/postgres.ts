import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyMigrations } from '../../apps/orchestrator/src/database/migrations.js';
import { MIGRATIONS_DIR } from './paths.js';

/** The server `make test` starts (infra/postgres/ensure-postgres.sh); tests never mock it. */
export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through `make test`, which starts Postgres');
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file, dropped afterwards. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    name,
    url: withDatabase(serverUrl(), name),
    async drop() {
      const client = new pg.Client({ connectionString: withDatabase(serverUrl(), 'postgres') });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function createMigratedDatabase(prefix: string): Promise<ScratchDatabase> {
  const db = await createScratchDatabase(prefix);
  await applyMigrations(db.url, MIGRATIONS_DIR);
  return db;
}

export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The one row a query must return (a count, a max); an empty answer is an error naming the query. */
export async function queryOne<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T> {
  const [row] = await query<T>(url, sql, params);
  if (!row) throw new Error(`expected one row from: ${sql.trim().split('\n')[0]}`);
  return row;
}
