// A whole cluster for fault scenarios, all real processes: redis-server, node-sim, two `chainfan ingestor` (each
// with its own state file), two `chainfan edge`, and SDK clients that track positions across both edges.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChainfanClient, type ChainfanMessage } from '@chainfan/client/node';
import { RpcClient } from '@chainfan/ingestor';
import { NodeSim } from '@chainfan/node-sim';
import { type RedisHandle, type RedisPersistence, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess, type LogLine } from '../helpers/chainfan-process.js';

export interface Edge {
  readonly proc: ChainfanProcess;
  readonly url: string;
}

/** One block as a client received it. */
export interface Received {
  readonly epoch: string;
  readonly seq: number;
  readonly hash: string;
  readonly height: number;
}

/** A resync notice as a client received it. */
export interface Notice {
  readonly reason: string;
  readonly channel: string;
  readonly epoch: string;
  readonly seq: number;
}

/**
 * An SDK client on the `blocks` and `reorgs` topics, given both edges; it resumes from its position on every
 * reconnect. Reorg events are kept as the hashes they retract.
 */
export class BlockTracker {
  readonly blocks: Received[] = [];
  readonly notices: Notice[] = [];
  /** hashes of blocks a reorg event said were disconnected */
  readonly retracted = new Set<string>();
  readonly client: ChainfanClient;

  constructor(urls: readonly string[]) {
    this.client = new ChainfanClient({ url: urls, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
    this.client.on('message', (m: ChainfanMessage) => {
      if (m.type === 'unknown' && m.wireType === 'reorg') {
        for (const h of (m.data as { disconnected?: unknown }).disconnected as unknown[] ?? []) if (typeof h === 'string') this.retracted.add(h);
      }
      if (m.type !== 'block') return;
      const d = m.data as { hash: string; height: number };
      this.blocks.push({ epoch: m.epoch ?? '', seq: m.seq ?? 0, hash: d.hash, height: d.height });
    });
    this.client.on('resync', (n) => this.notices.push({ reason: n.reason, channel: n.channel, epoch: n.epoch, seq: n.seq }));
  }

  async subscribe(): Promise<void> {
    await this.client.subscribe('blocks');
    await this.client.subscribe('reorgs');
  }

  hashes(): string[] {
    return this.blocks.map((b) => b.hash);
  }
}

export interface Judgement {
  /** blocks of the node's chain in the scenario's window */
  readonly events: number;
  /** blocks of the window never delivered while no resync notice said so */
  readonly lost: number;
  /** blocks of the window never delivered, with a resync notice that covers them */
  readonly signalled: number;
  readonly notices: number;
  /** a position delivered twice, or a block delivered twice within one epoch */
  readonly duplicates: number;
  /** blocks delivered (ever) that are not on the node's active chain and that no reorg event retracted */
  readonly stale: number;
}

/**
 * Judges what a tracker received from `mark` (index into its blocks) against `chain`, the node's active chain in the
 * scenario's window; `active` holds every hash of the active chain a delivered block could be at.
 */
export function judge(t: BlockTracker, mark: number, noticeMark: number, chain: readonly string[], active: ReadonlySet<string>): Judgement {
  const got = t.blocks.slice(mark);
  const delivered = new Set(got.map((b) => b.hash));
  const missing = chain.filter((h) => !delivered.has(h)).length;
  const notices = t.notices.length - noticeMark;
  const positions = new Set<string>();
  const perEpoch = new Set<string>();
  let duplicates = 0;
  for (const b of t.blocks) {
    const p = `${b.epoch}/${b.seq}`;
    const h = `${b.epoch}/${b.hash}`;
    if (positions.has(p) || perEpoch.has(h)) duplicates++;
    positions.add(p);
    perEpoch.add(h);
  }
  const stale = new Set(t.blocks.filter((b) => !active.has(b.hash) && !t.retracted.has(b.hash)).map((b) => b.hash)).size;
  return { events: chain.length, lost: notices === 0 ? missing : 0, signalled: notices === 0 ? 0 : missing, notices, duplicates, stale };
}

export class FaultCluster {
  readonly redis: RedisHandle;
  readonly sim: NodeSim;
  readonly rpc: RpcClient;
  readonly ingestors: ChainfanProcess[] = [];
  readonly edges: Edge[] = [];
  readonly trackers: BlockTracker[] = [];
  /** other SDK clients a scenario made; closed with the cluster */
  readonly clients: ChainfanClient[] = [];
  readonly #ingestorEnv: Record<string, string>;
  readonly #stateDir: string;
  readonly #ids = new Map<ChainfanProcess, string>();

  private constructor(redis: RedisHandle, sim: NodeSim, rpc: RpcClient, env: Record<string, string>, stateDir: string) {
    this.redis = redis;
    this.sim = sim;
    this.rpc = rpc;
    this.#ingestorEnv = env;
    this.#stateDir = stateDir;
  }

  static async start(opts: { trackers?: number; redisPersistence?: RedisPersistence } = {}): Promise<FaultCluster> {
    const redis = await startRedis({ persistence: opts.redisPersistence ?? 'none' });
    // a chain before the ingestors start: they begin at its tip, so a reorg can reach below what they ever published
    const sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0, rpcUser: 'u', rpcPassword: 'p', seed: 13, initialBlocks: 12 });
    const { zmqEndpoint, rpcUrl } = await sim.start();
    const rpc = new RpcClient({ url: rpcUrl, user: 'u', password: 'p' });
    const stateDir = await mkdtemp(join(tmpdir(), 'chainfan-faults-'));
    const edgeEnv = { CHAINFAN_REDIS_URL: redis.url, CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_EDGE_OPS_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1' };
    const c = new FaultCluster(redis, sim, rpc, {
      CHAINFAN_REDIS_URL: redis.url,
      CHAINFAN_ZMQ_ENDPOINTS: zmqEndpoint,
      CHAINFAN_RPC_URL: rpcUrl,
      CHAINFAN_RPC_USER: 'u',
      CHAINFAN_RPC_PASSWORD: 'p',
      CHAINFAN_INGESTOR_OPS_PORT: '0',
      CHAINFAN_OPS_HOST: '127.0.0.1',
      CHAINFAN_MEMPOOL_INTERVAL_MS: '0',
      CHAINFAN_POLL_INTERVAL_MS: '500',
      CHAINFAN_LEASE_TTL_MS: '1000',
    }, stateDir);
    const edgeProcs = [new ChainfanProcess('edge', [], edgeEnv), new ChainfanProcess('edge', [], edgeEnv)];
    for (const id of ['a', 'b']) c.ingestors.push(c.#ingestor(id));
    for (const proc of edgeProcs) {
      const line = await proc.waitForEvent('edge.listening', 90_000);
      c.edges.push({ proc, url: `ws://127.0.0.1:${line['port'] as number}/` });
    }
    await Promise.all(c.ingestors.map((i) => i.waitForEvent('ingestor.started', 90_000)));
    await waitFor(() => c.leader() !== undefined, { timeoutMs: 15_000, message: 'a leader' });
    for (let i = 0; i < (opts.trackers ?? 4); i++) {
      const urls = i % 2 === 0 ? [c.edges[0]!.url, c.edges[1]!.url] : [c.edges[1]!.url, c.edges[0]!.url];
      const t = new BlockTracker(urls);
      await t.subscribe();
      c.trackers.push(t);
    }
    // until a block makes it through ZMQ → ingestor → Redis → edges → every client
    await waitFor(async () => {
      await sim.mineBlock();
      const best = await rpc.call<string>('getbestblockhash');
      return waitFor(() => c.trackers.every((t) => t.hashes().includes(best)), { timeoutMs: 3_000 }).then(() => true, () => false);
    }, { timeoutMs: 40_000, intervalMs: 100, message: 'first block through' });
    return c;
  }

  #ingestor(id: string): ChainfanProcess {
    const p = new ChainfanProcess('ingestor', [], { ...this.#ingestorEnv, CHAINFAN_INGESTOR_ID: id, CHAINFAN_INGESTOR_STATE_FILE: this.#statePath(id) });
    this.#ids.set(p, id);
    return p;
  }

  /** Every hash of the node's active chain from `from` up. */
  async activeFrom(from: number): Promise<Set<string>> {
    return new Set(await this.chainAbove(from - 1));
  }

  #statePath(id: string): string {
    return join(this.#stateDir, `${id}.json`);
  }

  /** Resolves once the standby's saved state holds the checkpoint of the node's tip (it watched the leader publish it). */
  async standbyCaughtUp(): Promise<void> {
    const path = this.#statePath(this.#ids.get(this.standby()!)!);
    const best = await this.rpc.call<string>('getbestblockhash');
    await waitFor(async () => {
      const text = await readFile(path, 'utf8').catch(() => '{}');
      const checkpoint = (JSON.parse(text) as { checkpoint?: string }).checkpoint;
      return checkpoint !== undefined && (JSON.parse(checkpoint) as { hash?: string }).hash === best;
    }, { timeoutMs: 10_000, message: 'standby saved the tip checkpoint' });
  }

  /** The ingestor whose latest leadership event is an election. */
  leader(): ChainfanProcess | undefined {
    return this.ingestors.find((p) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return false;
      const last = p.lines.findLast((l: LogLine) => l.event === 'leader.elected' || l.event === 'leader.deposed');
      return last?.event === 'leader.elected';
    });
  }

  standby(): ChainfanProcess | undefined {
    const l = this.leader();
    return this.ingestors.find((p) => p !== l && p.child.exitCode === null && p.child.signalCode === null);
  }

  /** The node's active chain, heights (from, tip]. */
  async chainAbove(from: number): Promise<string[]> {
    const best = await this.rpc.call<number>('getblockcount');
    const heights: number[] = [];
    for (let h = Math.max(0, from + 1); h <= best; h++) heights.push(h);
    if (heights.length === 0) return [];
    return (await this.rpc.batch(heights.map((h) => ({ method: 'getblockhash', params: [h] })))) as string[];
  }

  /** Resolves once every tracker has received the node's current tip. */
  async tipDelivered(timeoutMs = 30_000): Promise<void> {
    const best = await this.rpc.call<string>('getbestblockhash');
    await waitFor(() => this.trackers.every((t) => t.hashes().includes(best)), { timeoutMs, message: `every client receives ${best}` });
  }

  async redisSave(): Promise<void> {
    await redisCommand(this.redis.url, ['SAVE']);
  }

  async close(): Promise<void> {
    await Promise.all([...this.trackers.map((t) => t.client.close()), ...this.clients.map((c) => c.close())]);
    await Promise.all([...this.ingestors, ...this.edges.map((e) => e.proc)].map((p) => p.stop('SIGKILL')));
    await this.sim.close();
    await this.redis.stop();
    await rm(this.#stateDir, { recursive: true, force: true });
  }
}
