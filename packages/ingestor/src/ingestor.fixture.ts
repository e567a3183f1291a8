// Test fixture: a real NodeSim (ZMQ + RPC) and Ingestors publishing into one shared bus, plus a recorder of
// everything published. Used by the *.int.test.ts files of this package only.
import { MemoryBus } from '@chainfan/bus';
import { NETWORKS, type NetworkName } from '@chainfan/chain';
import { NodeSim, type NodeSimOptions, type SimNetworkName } from '@chainfan/node-sim';
import { BUS_CHANNELS, type Envelope } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry, type IngestorMetrics } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { Ingestor, type IngestorOptions } from './ingestor.js';
import { RpcClient } from './rpc/rpc-client.js';
import { ZmqChainSource } from './source/zmq-chain-source.js';

export interface Harness {
  readonly sim: NodeSim;
  readonly bus: MemoryBus;
  readonly rpc: RpcClient;
  /** everything published on the bus, in order */
  readonly got: Envelope[];
  readonly zmqEndpoint: string;
  startIngestor(over?: Partial<IngestorOptions>): Promise<{ ingestor: Ingestor; metrics: IngestorMetrics }>;
  close(): Promise<void>;
}

export async function startHarness(simOpts: NodeSimOptions = {}, network: SimNetworkName & NetworkName = 'evrmore-main'): Promise<Harness> {
  const sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0, rpcUser: 'u', rpcPassword: 'p', seed: 5, network, ...simOpts });
  const { zmqEndpoint, rpcUrl } = await sim.start();
  const bus = new MemoryBus();
  const got: Envelope[] = [];
  bus.onMessage((m) => got.push(m));
  for (const ch of BUS_CHANNELS) await bus.subscribe(ch);
  const rpc = new RpcClient({ url: rpcUrl, user: 'u', password: 'p', retries: 1, backoff: { initialDelayMs: 20, maxDelayMs: 50, factor: 2 } });
  const ingestors: Ingestor[] = [];
  return {
    sim,
    bus,
    rpc,
    got,
    zmqEndpoint,
    async startIngestor(over = {}) {
      const metrics = createIngestorMetrics(createRegistry({ defaultMetrics: false }));
      const ingestor = new Ingestor({
        source: new ZmqChainSource({ endpoints: [zmqEndpoint] }),
        rpc,
        bus,
        network: NETWORKS[network],
        log: createLogger({ service: 'test', level: 'silent' }),
        metrics,
        mempoolIntervalMs: 0,
        networkIntervalMs: 0,
        peersIntervalMs: 0,
        pollIntervalMs: 0,
        hashGraceMs: 200,
        ...over,
      });
      ingestors.push(ingestor);
      await ingestor.start();
      return { ingestor, metrics };
    },
    async close() {
      for (const i of ingestors) await i.close();
      await sim.close();
      await bus.close();
    },
  };
}

export const bodyOf = <T = Record<string, unknown>>(e: Envelope): T => JSON.parse(e.body) as T;

/** ZMQ subscriptions propagate asynchronously: send transactions until the ingestor publishes one of them. */
export async function warmUp(h: Harness, ingestor: Ingestor): Promise<Set<string>> {
  const warm = new Set<string>();
  await waitFor(async () => {
    warm.add((await h.sim.createTx()).txid);
    return h.got.some((e) => e.channel === 'txs' && warm.has(bodyOf<{ txid: string }>(e).txid));
  }, { timeoutMs: 10_000, intervalMs: 100 });
  await ingestor.idle();
  return warm;
}

export const blocksOf = (got: readonly Envelope[]) => got.filter((e) => e.channel === 'blocks').map((e) => bodyOf<{ hash: string; height: number; tx: string[] }>(e));
export const txidsOf = (got: readonly Envelope[]) => got.filter((e) => e.channel === 'txs').map((e) => bodyOf<{ txid: string }>(e).txid);
