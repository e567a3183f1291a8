// `chainfan ingestor`: node ZMQ + RPC → Redis.
import { ingestorEnv, loadIngestorConfig, startIngestorApp } from '@chainfan/ingestor';
import { createLogger } from '@chainfan/telemetry';
import { closeOnSignal } from '../lifecycle.js';
import type { Command } from './command.js';

export const ingestorCommand: Command = {
  name: 'ingestor',
  summary: 'subscribe to a node (ZMQ + JSON-RPC) and publish its events to Redis',
  usage: 'chainfan ingestor [--zmq-endpoints tcp://127.0.0.1:28332] [--rpc-url http://user:pass@127.0.0.1:8819] [--redis-url redis://…]',
  env: ingestorEnv,
  async run(env) {
    const cfg = loadIngestorConfig(env);
    const log = createLogger({ service: 'ingestor', level: cfg.CHAINFAN_LOG_LEVEL });
    const app = await startIngestorApp(cfg, log);
    log.info({ event: 'ingestor.ready', opsPort: app.opsPort }, `ingestor running; ops on :${app.opsPort}`);
    closeOnSignal(log, () => app.close());
  },
};
