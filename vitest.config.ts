import { defineConfig } from 'vitest/config';

// One run over every workspace: pure unit tests beside the code, integration tests in test/.
// Integration tests talk to a real Redis (AWO_TEST_REDIS_URL, default redis://127.0.0.1:6379),
// each with its own key prefix, so files may run side by side.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'test', 'bench'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
