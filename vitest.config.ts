import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "source" export condition (tsc and tsx use the
// same condition), so tests never need a prior build nor see a stale dist/. Tests in jsdom run in Node too (they
// start real servers): they resolve like Node, not like a browser bundle (`ws` must be the real one).
const node = ['source', ...defaultServerConditions];
const conditions = { resolve: { conditions: node }, ssr: { resolve: { conditions: node } } };

// Two layers: `unit` holds *.test.ts next to the code (pure) and *.int.test.ts (real Redis, real sockets);
// `system` holds the multi-process tests under test/.
export default defineConfig({
  ...conditions,
  test: {
    projects: [
      {
        ...conditions,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
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
