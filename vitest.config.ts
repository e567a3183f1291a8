import { configDefaults, defineConfig } from 'vitest/config';

// Three layers, each runnable alone (docs/decisions/0011): `unit` is pure logic next to the code (*.test.ts; a setup
// file refuses ports, sockets, processes and native socket addons), `int` drives real Redis, ZeroMQ and uWebSockets.js
// (*.int.test.ts), `system` runs spawned processes, nginx, Prometheus and Chromium (test/).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, '**/*.int.test.ts'],
          setupFiles: ['packages/testkit/src/unit-guard.ts'],
          // CPU-bound corpus tests take seconds on a busy 2-core machine; a timeout is not a speed assertion
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'int',
          include: ['packages/*/src/**/*.int.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'system',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
