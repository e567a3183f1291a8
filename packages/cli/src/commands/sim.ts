// `chainfan sim`: an Evrmore-like node (ZMQ PUB + JSON-RPC) for development and tests.
import { NodeSim } from '@chainfan/node-sim';
import { bool, createLogger, int, num, oneOf, parseEnv, str } from '@chainfan/telemetry';
import { closeOnSignal } from '../lifecycle.js';
import type { Command } from './command.js';

export const simEnv = {
  CHAINFAN_SIM_NETWORK: oneOf(['evrmore-main', 'evrmore-test', 'evrmore-regtest'] as const, { default: 'evrmore-main' }),
  CHAINFAN_SIM_ZMQ_ENDPOINT: str({ default: 'tcp://127.0.0.1:28332', pattern: /^(tcp|ipc):\/\/\S+$/ }),
  CHAINFAN_SIM_RPC_HOST: str({ default: '127.0.0.1' }),
  CHAINFAN_SIM_RPC_PORT: int({ min: 0, max: 65_535, default: 8819 }),
  CHAINFAN_SIM_RPC_USER: str({ default: 'chainfan' }),
  CHAINFAN_SIM_RPC_PASSWORD: str({ default: 'chainfan' }),
  CHAINFAN_SIM_BLOCK_INTERVAL_MS: int({ min: 100, max: 86_400_000, default: 10_000 }),
  CHAINFAN_SIM_TX_PER_SECOND: num({ min: 0, max: 100_000, default: 3 }),
  CHAINFAN_SIM_SEQUENCE_TOPIC: bool({ default: false, help: "also publish Bitcoin Core's sequence topic" }),
  CHAINFAN_SIM_SEED: int({ min: 0, default: 1 }),
  CHAINFAN_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
} as const;

export const simCommand: Command = {
  name: 'sim',
  summary: 'run the node simulator (Evrmore-like ZMQ + JSON-RPC)',
  usage: 'chainfan sim [--sim-block-interval-ms 10000] [--sim-tx-per-second 3] [--sim-rpc-port 8819]',
  env: simEnv,
  async run(env) {
    const cfg = parseEnv(simEnv, env);
    const log = createLogger({ service: 'node-sim', level: cfg.CHAINFAN_LOG_LEVEL });
    const sim = new NodeSim({
      network: cfg.CHAINFAN_SIM_NETWORK,
      seed: cfg.CHAINFAN_SIM_SEED,
      zmqEndpoint: cfg.CHAINFAN_SIM_ZMQ_ENDPOINT,
      zmqSequence: cfg.CHAINFAN_SIM_SEQUENCE_TOPIC,
      rpcHost: cfg.CHAINFAN_SIM_RPC_HOST,
      rpcPort: cfg.CHAINFAN_SIM_RPC_PORT,
      rpcUser: cfg.CHAINFAN_SIM_RPC_USER,
      rpcPassword: cfg.CHAINFAN_SIM_RPC_PASSWORD,
      blockIntervalMs: cfg.CHAINFAN_SIM_BLOCK_INTERVAL_MS,
      txPerSecond: cfg.CHAINFAN_SIM_TX_PER_SECOND,
    });
    const { zmqEndpoint, rpcUrl } = await sim.start();
    log.info({ event: 'sim.started', zmqEndpoint, rpcUrl }, `node-sim: ZMQ ${zmqEndpoint}, RPC ${rpcUrl}`);
    closeOnSignal(log, () => sim.close());
  },
};
