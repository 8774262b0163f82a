import { defineConfig } from 'vitest/config';

// One run over every workspace: pure unit tests beside the code, integration tests in test/.
// Integration tests talk to a real Redis (AWO_TEST_REDIS_URL, default redis://127.0.0.1:6379),
// each with its own key prefix, so files may run side by side.
// Tests check the sources they sit beside: an `awo` a test starts as a child process runs them
// too (through tsx), never a dist/ built before the last edit. Set AWO_FROM_SOURCE=0 to run the
// suite against a fresh `npm run build` instead.
process.env.AWO_FROM_SOURCE ??= '1';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'test', 'bench'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
