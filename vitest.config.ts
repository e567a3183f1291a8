import { defineConfig } from 'vitest/config';

// Two layers (DESIGN.md §7): `unit` holds *.test.ts next to the code (pure) and *.int.test.ts (real Redis,
// real sockets); `system` holds the multi-process tests under test/.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
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
