// Public API of @chainfan/dashboard for Node: where the bundle lives and how `chainfan dev` builds it on demand.
// (The browser app itself starts at index.html → src/main.tsx and is not exported.)
export { DASHBOARD_DIST_DIR, buildDashboard, ensureDashboardBuilt, dashboardIsStale, type EnsureBuiltResult } from './build.js';
export { fetchRecentBlocks, type FetchRecentBlocksOptions } from './recent-blocks.js';
