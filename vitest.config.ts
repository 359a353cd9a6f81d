import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // dist/ (what `npm start` runs) built from the sources once, before the test files start.
    globalSetup: ['test/helpers/build-dist.ts'],
    // No test may reach the internet: every outside service is a loopback fake.
    env: { NO_PROXY: '*' },
  },
});
