import { defineConfig } from 'prisma/config';

// The URL is read lazily from the environment: `prisma generate` needs no
// database, and `prisma migrate deploy` fails with Prisma's own message when unset.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
