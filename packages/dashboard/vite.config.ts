// Vite config of the dashboard bundle: `npm run build -w @chainfan/dashboard` → dist/, served by the edge at `/`.
import { defineConfig } from 'vite';
import { dashboardViteOptions } from './src/vite-options.ts';

export default defineConfig(dashboardViteOptions('dist'));
