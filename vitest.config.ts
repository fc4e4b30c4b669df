import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// The services the tests start run on this node (process.execPath): refuse an older one than
// package.json's engines at once, with the fix, instead of failing somewhere inside a dependency.
const minimum = /(\d+)\.(\d+)/.exec(JSON.parse(readFileSync('package.json', 'utf8')).engines.node)!;
const [major, minor] = process.versions.node.split('.').map(Number);
if (major! < Number(minimum[1]) || (major === Number(minimum[1]) && minor! < Number(minimum[2]))) {
  throw new Error(
    `asyncfn needs Node.js ${minimum[0]} or newer, this is ${process.versions.node}: ` +
      'run `source deploy/local/node-env.sh` in this shell first (README, "Quick start")',
  );
}

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
            'cli/src/**/*.unit.test.ts',
            'test/**/*.unit.test.ts',
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
      {
        // The system again with its tasks kept in PostgreSQL (ASYNCFN_TASK_STORE=postgresql): the
        // files that write, read, list, sweep and deliver tasks. The adapters' own contract runs on
        // both stores in the int project (libs/*/src/task-store.int.test.ts).
        test: {
          name: 'int-postgres',
          include: [
            'test/lifecycle.int.test.ts',
            'test/fc-fidelity.int.test.ts',
            'test/destinations.int.test.ts',
            'test/durability.int.test.ts',
            'test/cli-bulk.int.test.ts',
          ],
          env: { ASYNCFN_TASK_STORE: 'postgresql' },
          // After the int project, not beside it: one integration file at a time on 2 cores.
          sequence: { groupOrder: 1 },
          environment: 'node',
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
