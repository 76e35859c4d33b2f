import pg from 'pg';
import { redactUrl } from '../config/app-config.js';

/**
 * Fails fast, before Nest starts, with one line that names DATABASE_URL and
 * says what to do, instead of a pool error on the first request.
 */
export async function checkDatabase(databaseUrl: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const reason = (error as Error).message || (error as { code?: string }).code || String(error);
    return `cannot reach Postgres at DATABASE_URL=${redactUrl(databaseUrl)} (${reason}); start it with infra/postgres/ensure-postgres.sh or fix DATABASE_URL`;
  }
  try {
    const { rows } = await client.query<{ exists: boolean }>(
      `SELECT to_regclass('public."Run"') IS NOT NULL AS exists`,
    );
    if (!rows[0]?.exists) {
      return `the database at DATABASE_URL=${redactUrl(databaseUrl)} has no ResLab tables; apply migrations with 'make migrate'`;
    }
    return null;
  } finally {
    await client.end();
  }
}
