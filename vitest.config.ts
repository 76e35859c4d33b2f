import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The dashboard's own import alias (apps/dashboard/tsconfig.json `paths`), so its unit tests load the modules
  // the pages load, as Next resolves them.
  resolve: { alias: [{ find: /^@\//, replacement: fileURLToPath(new URL('./apps/dashboard/', import.meta.url)) }] },
  test: {
    include: ['libs/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Tests start real Postgres databases and processes; files run one at a time on 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
