import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests start from an empty world: no fallback to the shipped models/default (inherited by the CLI and
    // server processes they spawn). test/default-model.test.ts checks the shipped model explicitly.
    env: { RECTIFY_SHIPPED_MODEL: 'none' },
  },
});
