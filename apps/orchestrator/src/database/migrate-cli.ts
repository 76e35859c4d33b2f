import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactUrl } from '../config/app-config.js';
import { applyMigrations, MigrationError } from './migrations.js';

// `node dist/database/migrate-cli.js`: the fallback for `prisma migrate deploy`.
const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'prisma', 'migrations');

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('migrate: DATABASE_URL is not set');
  process.exit(1);
}
try {
  const applied = await applyMigrations(url, process.env.RESLAB_MIGRATIONS_DIR || MIGRATIONS_DIR);
  console.log(applied.length ? `migrate: applied ${applied.join(', ')}` : 'migrate: database is up to date');
} catch (error) {
  const reason =
    error instanceof MigrationError ? error.message : `cannot migrate ${redactUrl(url)}: ${(error as Error).message}`;
  console.error(`migrate: ${reason}`);
  process.exit(1);
}
