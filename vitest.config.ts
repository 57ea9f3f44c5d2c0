// Projects: `unit` needs no servers; `integration` and `e2e` get a real Kafka and ClickHouse from
// test/support/global-setup.ts (environment, testcontainers, or the native stack, in that order).
import { defineConfig } from 'vitest/config';

// The cluster suite starts three brokers and four ClickHouse servers: only when asked for
// (`--project cluster`, or OPA_CLUSTER_SUITE=1), never as part of a plain `vitest run`.
const clusterSuite =
  process.env.OPA_CLUSTER_SUITE === '1' ||
  process.argv.some(
    (a, i) => a === '--project=cluster' || (a === 'cluster' && process.argv[i - 1] === '--project'),
  );

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
      ...(clusterSuite
        ? [
            {
              // The cluster stack (test/support/cluster-setup.ts): faults and e2e with exact plain counts.
              test: {
                name: 'cluster',
                include: ['test/e2e/**/*.cluster.test.ts', 'test/faults/**/*.cluster.test.ts'],
                globalSetup: ['test/support/cluster-setup.ts'],
                testTimeout: 600_000,
                hookTimeout: 600_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
