// NodeSim's options with their defaults in one table; the CLI maps its flags/env onto this type.
import { ChainfanError } from '@chainfan/protocol';
import type { Clock } from './clock.js';
import { seededRandom, type Random } from './random.js';
import type { SimNetworkName } from './burn-addresses.js';
import { ZMQ_TOPICS, type ZmqTopic } from './zmq-topics.js';

export interface NodeSimOptions {
  /** Address prefixes, header format and burn addresses. Default `'evrmore-main'` (120-byte EVRPROGPOW headers). */
  readonly network?: SimNetworkName;
  /** Seeds the wallets' keys and (unless `random` is given) the chain's content. Default 1. */
  readonly seed?: number;
  /** Source of the chain's randomness. Default `seededRandom(seed)`: same seed + same calls → same chain. */
  readonly random?: Random;
  /** Default the system clock. Block times, mempool times and the generation timers read it. */
  readonly clock?: Clock;

  /** ZMQ PUB endpoint. Default `tcp://127.0.0.1:28332`; port 0 picks a free port (read it from `start()`). */
  readonly zmqEndpoint?: string;
  /** Node topics to publish. Default `['hashblock', 'hashtx', 'rawblock', 'rawtx']` (what Evrmore offers). */
  readonly zmqTopics?: readonly ZmqTopic[];
  /** Also publish Bitcoin Core's `sequence` topic (Evrmore has none). Default false. */
  readonly zmqSequence?: boolean;
  /** ZMQ_SNDHWM per subscriber. Default 1000 (the node's). */
  readonly zmqSendHighWaterMark?: number;
  /**
   * Notifications waiting to be sent before generation fails loudly (the publish rejects; nothing is sent or counted).
   * Default 100_000. During `stallZmq` notifications pile up here.
   */
  readonly zmqMaxQueuedSends?: number;
  /**
   * Fault injection: each node message, per topic on its own draw, is dropped with this probability after its counter
   * value is taken, as a PUB socket past its high-water mark drops: subscribers see a counter gap. 0–1, default 0.
   * Change it later with `setZmqDropFraction`.
   */
  readonly zmqDropFraction?: number;
  /**
   * Draws the fault decisions (ZMQ drops). Default `seededRandom(seed ^ 0xfa017)`: a stream apart from `random`, so
   * turning faults on never changes the chain a seed produces.
   */
  readonly faultRandom?: Random;
  /**
   * How long `restart()` keeps ZMQ and RPC closed (connections refused) between stop and start, on the injected clock.
   * Default 0 (they come back at once; the refusal window is then only as long as the rebind).
   */
  readonly restartDowntimeMs?: number;

  /** Default `127.0.0.1`. */
  readonly rpcHost?: string;
  /** Default the network's RPC port (8819 main, 18819 test, 18443 regtest); 0 picks a free port. */
  readonly rpcPort?: number;
  /** Basic-auth credentials. Default `chainfan` / `chainfan`. */
  readonly rpcUser?: string;
  readonly rpcPassword?: string;
  /** Largest accepted request body. Default 1 MiB. */
  readonly rpcMaxBodyBytes?: number;

  /** Mine a block every this many ms after `start()` when `autoMine`. Default 10_000. */
  readonly blockIntervalMs?: number;
  /** Default true; false leaves mining to `mineBlock()`. */
  readonly autoMine?: boolean;
  /** Mean rate of random transactions after `start()` (Poisson arrivals); 0 disables. Default 3. */
  readonly txPerSecond?: number;
  /** Blocks take at most this many mempool txs, oldest first. Default 1_000. */
  readonly maxTxPerBlock?: number;
  /** Blocks mined silently (no notifications) at construction, 60 s apart, ending now. Default 0. */
  readonly initialBlocks?: number;

  /** Simulated wallets (every 4th is P2SH). Default 16. */
  readonly wallets?: number;
  /** Confirmations before coinbase outputs are spent. Default 100 (consensus). */
  readonly coinbaseMaturity?: number;
  /** Coinbases carry a BIP141 witness commitment, as Evrmore mainnet blocks do. Default true. */
  readonly witnessCommitment?: boolean;
  /** nBits of every block. Default 0x1b260d0b on main (a real mainnet target), 0x1e00ffff test, 0x207fffff regtest. */
  readonly bits?: number;
  /** Fee rate range, sats per vbyte. Default [1000, 1500] (just above Evrmore's 0.01 EVR/kB relay floor). */
  readonly feeRateSatsPerVbyte?: readonly [number, number];
  /** Fake peers shown by getpeerinfo / getnetworkinfo. Default 3. */
  readonly peers?: number;
  /**
   * Failures of timer-driven generation (a manual call rejects instead). Default: `process.emitWarning`, so nothing
   * is lost silently.
   */
  readonly onError?: (err: unknown) => void;
}

export type ResolvedNodeSimOptions = Required<Omit<NodeSimOptions, 'random' | 'rpcPort' | 'bits'>> & {
  readonly random: Random | undefined;
  readonly rpcPort: number;
  readonly bits: number;
};

const FAULT_SEED_MASK = 0xfa017;
const RPC_PORTS: Record<SimNetworkName, number> = { 'evrmore-main': 8819, 'evrmore-test': 18819, 'evrmore-regtest': 18443 };
const BITS: Record<SimNetworkName, number> = { 'evrmore-main': 0x1b260d0b, 'evrmore-test': 0x1e00ffff, 'evrmore-regtest': 0x207fffff };

export const NODE_SIM_DEFAULTS = {
  network: 'evrmore-main',
  seed: 1,
  zmqEndpoint: 'tcp://127.0.0.1:28332',
  zmqTopics: ['hashblock', 'hashtx', 'rawblock', 'rawtx'],
  zmqSequence: false,
  zmqSendHighWaterMark: 1_000,
  zmqMaxQueuedSends: 100_000,
  zmqDropFraction: 0,
  restartDowntimeMs: 0,
  rpcHost: '127.0.0.1',
  rpcUser: 'chainfan',
  rpcPassword: 'chainfan',
  rpcMaxBodyBytes: 1_048_576,
  blockIntervalMs: 10_000,
  autoMine: true,
  txPerSecond: 3,
  maxTxPerBlock: 1_000,
  initialBlocks: 0,
  wallets: 16,
  coinbaseMaturity: 100,
  witnessCommitment: true,
  feeRateSatsPerVbyte: [1_000, 1_500],
  peers: 3,
} as const satisfies NodeSimOptions;

/** Fills defaults; throws CHAINFAN_CONFIG_INVALID listing every problem at once (context.problems). */
export function resolveNodeSimOptions(o: NodeSimOptions, clock: Clock, onError: (err: unknown) => void): ResolvedNodeSimOptions {
  const network = o.network ?? NODE_SIM_DEFAULTS.network;
  const r: ResolvedNodeSimOptions = {
    network,
    seed: o.seed ?? NODE_SIM_DEFAULTS.seed,
    random: o.random,
    clock,
    zmqEndpoint: o.zmqEndpoint ?? NODE_SIM_DEFAULTS.zmqEndpoint,
    zmqTopics: o.zmqTopics ?? NODE_SIM_DEFAULTS.zmqTopics,
    zmqSequence: o.zmqSequence ?? NODE_SIM_DEFAULTS.zmqSequence,
    zmqSendHighWaterMark: o.zmqSendHighWaterMark ?? NODE_SIM_DEFAULTS.zmqSendHighWaterMark,
    zmqMaxQueuedSends: o.zmqMaxQueuedSends ?? NODE_SIM_DEFAULTS.zmqMaxQueuedSends,
    zmqDropFraction: o.zmqDropFraction ?? NODE_SIM_DEFAULTS.zmqDropFraction,
    faultRandom: o.faultRandom ?? seededRandom((o.seed ?? NODE_SIM_DEFAULTS.seed) ^ FAULT_SEED_MASK),
    restartDowntimeMs: o.restartDowntimeMs ?? NODE_SIM_DEFAULTS.restartDowntimeMs,
    rpcHost: o.rpcHost ?? NODE_SIM_DEFAULTS.rpcHost,
    rpcPort: o.rpcPort ?? RPC_PORTS[network],
    rpcUser: o.rpcUser ?? NODE_SIM_DEFAULTS.rpcUser,
    rpcPassword: o.rpcPassword ?? NODE_SIM_DEFAULTS.rpcPassword,
    rpcMaxBodyBytes: o.rpcMaxBodyBytes ?? NODE_SIM_DEFAULTS.rpcMaxBodyBytes,
    blockIntervalMs: o.blockIntervalMs ?? NODE_SIM_DEFAULTS.blockIntervalMs,
    autoMine: o.autoMine ?? NODE_SIM_DEFAULTS.autoMine,
    txPerSecond: o.txPerSecond ?? NODE_SIM_DEFAULTS.txPerSecond,
    maxTxPerBlock: o.maxTxPerBlock ?? NODE_SIM_DEFAULTS.maxTxPerBlock,
    initialBlocks: o.initialBlocks ?? NODE_SIM_DEFAULTS.initialBlocks,
    wallets: o.wallets ?? NODE_SIM_DEFAULTS.wallets,
    coinbaseMaturity: o.coinbaseMaturity ?? NODE_SIM_DEFAULTS.coinbaseMaturity,
    witnessCommitment: o.witnessCommitment ?? NODE_SIM_DEFAULTS.witnessCommitment,
    bits: o.bits ?? BITS[network],
    feeRateSatsPerVbyte: o.feeRateSatsPerVbyte ?? NODE_SIM_DEFAULTS.feeRateSatsPerVbyte,
    peers: o.peers ?? NODE_SIM_DEFAULTS.peers,
    onError,
  };
  const problems: string[] = [];
  if (!(network in RPC_PORTS)) problems.push(`network: unknown ${String(network)}`);
  const intIn = (name: keyof ResolvedNodeSimOptions, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name}: ${v} is not an integer in [${min}, ${max}]`);
  };
  intIn('rpcPort', r.rpcPort, 0, 65_535);
  intIn('blockIntervalMs', r.blockIntervalMs, 0, 86_400_000);
  intIn('maxTxPerBlock', r.maxTxPerBlock, 0, 100_000);
  intIn('initialBlocks', r.initialBlocks, 0, 100_000);
  intIn('wallets', r.wallets, 2, 10_000);
  intIn('coinbaseMaturity', r.coinbaseMaturity, 0, 1_000);
  intIn('peers', r.peers, 0, 125);
  intIn('bits', r.bits, 1, 0xffffffff);
  intIn('zmqSendHighWaterMark', r.zmqSendHighWaterMark, 0, 10_000_000);
  intIn('zmqMaxQueuedSends', r.zmqMaxQueuedSends, 1, 10_000_000);
  intIn('rpcMaxBodyBytes', r.rpcMaxBodyBytes, 1_024, 1_073_741_824);
  if (!(r.txPerSecond >= 0 && r.txPerSecond <= 10_000)) problems.push(`txPerSecond: ${r.txPerSecond} is not in [0, 10000]`);
  const [lo, hi] = r.feeRateSatsPerVbyte;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo)) problems.push('feeRateSatsPerVbyte: needs integers 1 <= lo <= hi');
  for (const t of r.zmqTopics) if (!ZMQ_TOPICS.includes(t)) problems.push(`zmqTopics: unknown topic ${String(t)}`);
  if (!/^tcp:\/\/[^:]+:\d+$/.test(r.zmqEndpoint)) problems.push(`zmqEndpoint: ${r.zmqEndpoint} is not tcp://host:port`);
  if (!(r.zmqDropFraction >= 0 && r.zmqDropFraction <= 1)) problems.push(`zmqDropFraction: ${r.zmqDropFraction} is not in [0, 1]`);
  intIn('restartDowntimeMs', r.restartDowntimeMs, 0, 3_600_000);
  if (problems.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid NodeSim options:\n  ${problems.join('\n  ')}`, { context: { problems } });
  }
  return r;
}
