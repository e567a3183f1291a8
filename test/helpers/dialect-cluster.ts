// A running cluster for the dialect contract tests: redis-server, node-sim in the test process (manual mining, no
// random transactions), a `chainfan ingestor` publishing network/peers/mempool summaries fast, and N `chainfan edge`
// processes — all real processes on loopback, as test/e2e.test.ts builds them.
import { NodeSim } from '@chainfan/node-sim';
import { type RedisHandle, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess } from './chainfan-process.js';
import { type EdgePorts, edgePorts } from './role-ports.js';

export const RPC_USER = 'sim';
export const RPC_PASSWORD = 'dialect-secret';

export interface ClusterOptions {
  /** one entry per edge process: its extra environment */
  readonly edges: readonly Readonly<Record<string, string>>[];
  readonly ingestorEnv?: Readonly<Record<string, string>>;
  /** indexes of the edges that get the node's RPC (CHAINFAN_RPC_*) for command messages */
  readonly edgesWithNodeRpc?: readonly number[];
  /** ms; network summaries (network_metrics, metrics_update) this often */
  readonly networkIntervalMs?: number;
  /** the simulator also publishes Bitcoin Core's `sequence` ZMQ topic (as under `chainfan dev`) */
  readonly simSequence?: boolean;
}

export interface Cluster {
  readonly redis: RedisHandle;
  readonly sim: NodeSim;
  readonly rpcUrl: string;
  readonly ingestor: ChainfanProcess;
  readonly edges: readonly ChainfanProcess[];
  readonly ports: readonly EdgePorts[];
  /** ws://127.0.0.1:<port of edge i><path> */
  ws(edge: number, path: string): string;
  /** http://127.0.0.1:<port of edge i><path> */
  http(edge: number, path: string): string;
  /** env giving an edge the node's RPC (for command messages) */
  readonly rpcEnv: Readonly<Record<string, string>>;
  /** a JSON-RPC call to the node, for comparing answers */
  rpc<T>(method: string, ...params: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const redis = await startRedis();
  const sim = new NodeSim({
    network: 'evrmore-main', zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, rpcUser: RPC_USER, rpcPassword: RPC_PASSWORD, autoMine: false, txPerSecond: 0, seed: 7,
    ...(opts.simSequence === true ? { zmqSequence: true } : {}),
  });
  const { rpcUrl, zmqEndpoint } = await sim.start();
  const rpcEnv = { CHAINFAN_RPC_URL: rpcUrl, CHAINFAN_RPC_USER: RPC_USER, CHAINFAN_RPC_PASSWORD: RPC_PASSWORD };
  const ingestor = new ChainfanProcess('ingestor', [], {
    CHAINFAN_REDIS_URL: redis.url,
    CHAINFAN_ZMQ_ENDPOINTS: zmqEndpoint,
    ...rpcEnv,
    CHAINFAN_INGESTOR_OPS_PORT: '0',
    CHAINFAN_NETWORK_INTERVAL_MS: String(opts.networkIntervalMs ?? 250),
    CHAINFAN_PEERS_INTERVAL_MS: '400',
    CHAINFAN_MEMPOOL_INTERVAL_MS: '400',
    CHAINFAN_POLL_INTERVAL_MS: '500',
    ...opts.ingestorEnv,
  });
  const edges = opts.edges.map((env, i) => new ChainfanProcess('edge', [], {
    CHAINFAN_REDIS_URL: redis.url, CHAINFAN_EDGE_PORT: '0', CHAINFAN_EDGE_OPS_PORT: '0', CHAINFAN_EDGE_HOST: '127.0.0.1',
    ...(opts.edgesWithNodeRpc?.includes(i) === true ? rpcEnv : {}),
    ...env,
  }));
  const stopAll = async (): Promise<void> => {
    await Promise.all(edges.map((e) => e.stop()));
    await ingestor.stop();
    await sim.close();
    await redis.stop();
  };
  let ports: EdgePorts[];
  try {
    // a loaded machine may take a while to start the processes (sources are compiled at start)
    await ingestor.waitForEvent('ingestor.started', 40_000);
    // Elected and synced: its first block (the node's tip, its starting point) is published with the checkpoint, so
    // every block mined from now on reaches the bus — none becomes a silent starting point instead.
    await waitFor(async () => (await redisCommand(redis.url, ['EXISTS', '{cf:blocks}:ckpt'])) === 1, { timeoutMs: 15_000, message: 'ingestor checkpoint' });
    ports = await Promise.all(edges.map((e) => edgePorts(e, 40_000)));
  } catch (err) {
    await stopAll(); // the caller gets no cluster to close: leave no process behind
    throw err;
  }
  const auth = `Basic ${Buffer.from(`${RPC_USER}:${RPC_PASSWORD}`).toString('base64')}`;
  let id = 0;
  return {
    redis, sim, rpcUrl, ingestor, edges, ports, rpcEnv,
    ws: (i, path) => `ws://127.0.0.1:${ports[i]!.port}${path}`,
    http: (i, path) => `http://127.0.0.1:${ports[i]!.port}${path}`,
    rpc: async <T>(method: string, ...params: unknown[]): Promise<T> => {
      const res = await fetch(rpcUrl, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: ++id, method, params }) });
      return ((await res.json()) as { result: T }).result;
    },
    close: stopAll,
  };
}

/** Mines until `seen()` holds: ZMQ subscriptions join late ("slow joiner"), so the first blocks may go unseen. */
export async function mineUntil(sim: NodeSim, seen: () => boolean, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => {
    if (seen()) return true;
    await sim.mineBlock();
    return false;
  }, { timeoutMs, intervalMs: 300, message: 'mined block seen' });
}
