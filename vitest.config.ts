import { defineConfig } from 'vitest/config';

// Two tiers, told apart by file suffix (see README "Tests"):
// - unit: pure logic, no servers;
// - int: libs and services against the real servers started by deploy/local (global setup).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'libs/**/*.unit.test.ts',
            'services/**/*.unit.test.ts',
            'test/**/*.unit.test.ts',
            'console/src/**/*.unit.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'int',
          include: ['libs/**/*.int.test.ts', 'services/**/*.int.test.ts', 'test/**/*.int.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // 2 cores: run integration files one at a time so the real servers are not starved.
          fileParallelism: false,
        },
      },
    ],
  },
});
