// The dashboard's Vite options, shared by vite.config.ts (the `vite` CLI) and build.ts (`chainfan dev`).
import type { InlineConfig } from 'vite';

export function dashboardViteOptions(outDir: string): InlineConfig {
  return {
    // relative asset URLs: the bundle works at `/` on an edge and under any path prefix behind a proxy
    base: './',
    // workspace packages resolve to their TypeScript sources (the "source" export condition), so the bundle needs no
    // prior build of @chainfan/react or @chainfan/client; the rest are Vite's default client conditions
    resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
    // JSX goes through Vite's own Oxc transform (automatic runtime): no React plugin needed
    oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1_024, reportCompressedSize: false },
    server: { port: 5173 },
  };
}
