import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "source" export condition (tsc and tsx use the
// same condition), so tests never need a prior build nor see a stale dist/. Tests in jsdom run in Node too (they
// start real servers): they resolve like Node, not like a browser bundle (`ws` must be the real one).
const node = ['source', ...defaultServerConditions];
const conditions = { resolve: { conditions: node }, ssr: { resolve: { conditions: node } } };

// Three layers, each runnable alone (docs/decisions/0012): `unit` is pure logic next to the code (*.test.ts; a setup
// file refuses ports, sockets, processes and native socket addons), `int` drives real Redis, ZeroMQ and uWebSockets.js
// (*.int.test.ts), `system` runs spawned processes, nginx, Prometheus and Chromium (test/).
export default defineConfig({
  ...conditions,
  test: {
    projects: [
      {
        ...conditions,
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
        ...conditions,
        test: {
          name: 'int',
          include: ['packages/*/src/**/*.int.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        ...conditions,
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
