// `chainfan sim`: an Evrmore-like node (ZMQ PUB + JSON-RPC) for development and tests.
import { NodeSim } from '@chainfan/node-sim';
import { bool, type ConfigOf, configFromEnv, createLogger, int, num, oneOf, option, parseEnv, str } from '@chainfan/telemetry';
import { closeOnSignal } from '../lifecycle.js';
import type { Command } from './command.js';

/** The simulator's table: each option row is the NodeSim option of the same meaning, so the CLI needs no mapping. */
export const simEnv = {
  CHAINFAN_SIM_NETWORK: option('network', oneOf(['evrmore-main', 'evrmore-test', 'evrmore-regtest'] as const, { default: 'evrmore-main' })),
  CHAINFAN_SIM_ZMQ_ENDPOINT: option('zmqEndpoint', str({ default: 'tcp://127.0.0.1:28332', pattern: /^(tcp|ipc):\/\/\S+$/ })),
  CHAINFAN_SIM_RPC_HOST: option('rpcHost', str({ default: '127.0.0.1' })),
  CHAINFAN_SIM_RPC_PORT: option('rpcPort', int({ min: 0, max: 65_535, default: 8819 })),
  CHAINFAN_SIM_RPC_USER: option('rpcUser', str({ default: 'chainfan' })),
  CHAINFAN_SIM_RPC_PASSWORD: option('rpcPassword', str({ default: 'chainfan' })),
  CHAINFAN_SIM_BLOCK_INTERVAL_MS: option('blockIntervalMs', int({ min: 100, max: 86_400_000, default: 10_000 })),
  CHAINFAN_SIM_TX_PER_SECOND: option('txPerSecond', num({ min: 0, max: 100_000, default: 3 })),
  CHAINFAN_SIM_SEQUENCE_TOPIC: option('zmqSequence', bool({ default: false, help: "also publish Bitcoin Core's sequence topic" })),
  CHAINFAN_SIM_SEED: option('seed', int({ min: 0, default: 1 })),
  CHAINFAN_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
} as const;

/** The NodeSim options the simulator command runs with. */
export type SimConfig = ConfigOf<typeof simEnv>;

export const simCommand: Command = {
  name: 'sim',
  summary: 'run the node simulator (Evrmore-like ZMQ + JSON-RPC)',
  usage: 'chainfan sim [--sim-block-interval-ms 10000] [--sim-tx-per-second 3] [--sim-rpc-port 8819]',
  env: simEnv,
  async run(env) {
    const cfg = parseEnv(simEnv, env);
    const log = createLogger({ service: 'node-sim', level: cfg.CHAINFAN_LOG_LEVEL });
    const options: SimConfig = configFromEnv(simEnv, cfg);
    const sim = new NodeSim(options);
    const { zmqEndpoint, rpcUrl } = await sim.start();
    log.info({ event: 'sim.started', zmqEndpoint, rpcUrl }, `node-sim: ZMQ ${zmqEndpoint}, RPC ${rpcUrl}`);
    closeOnSignal(log, () => sim.close());
  },
};
