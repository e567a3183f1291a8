// `chainfan edge`: Redis → WebSocket clients.
import { edgeEnv, loadEdgeEnv, startEdgeApp } from '@chainfan/edge';
import { createLogger } from '@chainfan/telemetry';
import { closeOnSignal } from '../lifecycle.js';
import type { Command } from './command.js';

export const edgeCommand: Command = {
  name: 'edge',
  summary: 'serve WebSocket clients from Redis (run as many as you like)',
  usage: 'chainfan edge [--edge-port 8765] [--redis-url redis://127.0.0.1:6379]',
  env: edgeEnv,
  async run(env) {
    const cfg = loadEdgeEnv(env);
    const log = createLogger({ service: 'edge', level: cfg.CHAINFAN_LOG_LEVEL });
    const app = await startEdgeApp(cfg, log);
    log.info({ event: 'edge.listening', port: app.port, opsPort: app.opsPort }, `edge listening on ws://0.0.0.0:${app.port}/ (ops :${app.opsPort})`);
    closeOnSignal(log, () => app.close());
  },
};
