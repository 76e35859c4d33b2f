import { defineConfig } from 'vitest/config';

/** `make test`'s last step: the scan runs after every other test file has written its logs. */
export default defineConfig({
  test: { include: ['test/secrets/*.check.ts'], testTimeout: 120_000 },
});
