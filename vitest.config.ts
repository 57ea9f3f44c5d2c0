// Projects: `unit` needs no servers; `integration` and `e2e` get a real Kafka and ClickHouse from
// test/support/global-setup.ts (environment, testcontainers, or the native stack, in that order).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.int.test.ts',
            'services/*/test/**/*.int.test.ts',
            'test/integration/**/*.int.test.ts',
          ],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Suites share one broker and one ClickHouse on a 2-core machine: run files one at a time.
          fileParallelism: false,
        },
      },
      {
        // Every service as a real process; e2e runs the happy path, faults restart parts of the stack.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts', 'test/faults/**/*.fault.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
