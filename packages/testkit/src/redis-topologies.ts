// Redis Sentinel sets and Redis Clusters of real redis-server processes on free loopback ports, for tests that must
// see the bus behave the same on every topology and survive a failover.
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { spawnRedis } from './local-redis.js';
import { redisCommand, type RespValue } from './redis-command.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const STOP_TIMEOUT_MS = 5_000;

export interface RedisEndpointAddress {
  readonly host: string;
  readonly port: number;
}

export interface TopologyOptions {
  /** requirepass + masterauth on every data node (sentinels stay open); tests pass it to the bus as the password */
  readonly password?: string;
  readonly redisServerBin?: string;
  readonly redisCliBin?: string;
}

/** One redis-server child process this module owns. */
class Node {
  #child: ChildProcess | undefined;
  constructor(readonly port: number, child: ChildProcess) {
    this.#child = child;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get alive(): boolean {
    const c = this.#child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  async terminate(signal: NodeJS.Signals): Promise<void> {
    const c = this.#child;
    this.#child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function authArgs(password: string | undefined): string[] {
  return password === undefined ? [] : ['--requirepass', password, '--masterauth', password];
}

function urlOf(port: number, password: string | undefined): string {
  return password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;
}

export interface SentinelSetHandle {
  /** the monitored primary's name */
  readonly name: string;
  readonly sentinels: readonly RedisEndpointAddress[];
  /** the data nodes' ports (primary first, as started) */
  readonly dataPorts: readonly number[];
  /** the port the sentinels currently report as primary */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary; resolves with its port once the sentinels promoted another node */
  killPrimary(): Promise<{ killed: number; promoted: number }>;
  stop(): Promise<void>;
}

/** A primary, one replica and three sentinels (quorum 2, down-after 1 s): a failover completes in a few seconds. */
export async function startRedisSentinelSet(opts: TopologyOptions = {}): Promise<SentinelSetHandle> {
  const bin = opts.redisServerBin ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), 'chainfan-sentinel-'));
  const name = 'chainfan';
  const nodes: Node[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.terminate('SIGTERM')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const primary = await startNode(bin, join(dir, 'primary'), authArgs(opts.password));
    nodes.push(primary);
    const replica = await startNode(bin, join(dir, 'replica'), [...authArgs(opts.password), '--replicaof', '127.0.0.1', String(primary.port)]);
    nodes.push(replica);
    await waitFor(async () => /master_link_status:up/.test(String(await redisCommand(urlOf(replica.port, opts.password), ['INFO', 'replication']))), {
      timeoutMs: 10_000,
      message: 'replica in sync',
    });
    const sentinels: Node[] = [];
    for (let i = 0; i < 3; i++) {
      const sdir = join(dir, `sentinel-${i}`);
      await mkdir(sdir, { recursive: true });
      const conf = join(sdir, 'sentinel.conf');
      await writeFile(
        conf,
        [
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          ...(opts.password === undefined ? [] : [`sentinel auth-pass ${name} ${opts.password}`]),
          '',
        ].join('\n'),
      );
      const s = await startNode(bin, sdir, [], [conf, '--sentinel']);
      sentinels.push(s);
      nodes.push(s);
    }
    const sentinelUrls = sentinels.map((s) => `redis://127.0.0.1:${s.port}`);
    const primaryPort = async (): Promise<number> => {
      for (const u of sentinelUrls) {
        try {
          const r = await redisCommand(u, ['SENTINEL', 'get-master-addr-by-name', name]);
          if (Array.isArray(r) && r.length === 2) return Number(r[1]);
        } catch {
          // that sentinel is down; ask the next
        }
      }
      throw new Error('no sentinel answered get-master-addr-by-name');
    };
    // every sentinel must know the others and the replica before a failover can be authorised
    await waitFor(async () => {
      const replies = await Promise.all(sentinelUrls.map((u) => redisCommand(u, ['SENTINEL', 'master', name])));
      return replies.every((r) => Number(field(r, 'num-other-sentinels')) === 2 && Number(field(r, 'num-slaves')) === 1);
    }, { timeoutMs: 15_000, message: 'sentinels discovered each other and the replica' });
    return {
      name,
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      dataPorts: [primary.port, replica.port],
      primaryPort,
      async killPrimary() {
        const killed = await primaryPort();
        const node = nodes.find((n) => n.port === killed);
        if (node === undefined) throw new Error(`primary port ${killed} is not one of this set's nodes`);
        await node.terminate('SIGKILL');
        const promoted = await waitFor(async () => {
          const p = await primaryPort();
          if (p === killed) return undefined;
          const role = await redisCommand(urlOf(p, opts.password), ['ROLE']).catch(() => null);
          return Array.isArray(role) && role[0] === 'master' ? p : undefined;
        }, { timeoutMs: 30_000, intervalMs: 100, message: 'sentinels promoted the replica' });
        return { killed, promoted };
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export interface RedisClusterHandle {
  /** seed list: every node, masters and replicas */
  readonly nodes: readonly RedisEndpointAddress[];
  /** port of the master serving the slot of `key` (hash tags count) */
  masterPortOf(key: string): Promise<number>;
  /** ports of the current masters */
  masterPorts(): Promise<number[]>;
  /** pid of the redis-server on `port` (its CPU is what a bench measures), undefined when it is not running */
  pidOf(port: number): number | undefined;
  /** SIGKILLs the master serving `key`'s slot; resolves once its replica took the slot over */
  killMasterOf(key: string): Promise<{ killed: number; promoted: number }>;
  stop(): Promise<void>;
}

export interface ClusterOptions extends TopologyOptions {
  /** masters, default 3; 1 (without replicas) makes a one-shard cluster holding every slot */
  readonly masters?: number;
  /** replicas per master, default 1 */
  readonly replicasPerMaster?: number;
}

/**
 * A Redis Cluster built by `redis-cli --cluster create`: 3 masters + 3 replicas by default, node timeout 1 s, and
 * full coverage not required (the other shards keep serving while one fails over).
 */
export async function startRedisCluster(opts: ClusterOptions = {}): Promise<RedisClusterHandle> {
  const bin = opts.redisServerBin ?? 'redis-server';
  const cli = opts.redisCliBin ?? 'redis-cli';
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  const dir = await mkdtemp(join(tmpdir(), 'chainfan-cluster-'));
  const nodes: Node[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.terminate('SIGTERM')));
    await rm(dir, { recursive: true, force: true });
  };
  const url = (port: number): string => urlOf(port, opts.password);
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await clusterPort();
      const ndir = join(dir, String(port));
      nodes.push(
        await startNode(bin, ndir, [
          ...authArgs(opts.password),
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(ndir, 'nodes.conf'),
          '--cluster-node-timeout', '1000',
          '--cluster-require-full-coverage', 'no',
          '--cluster-replica-validity-factor', '0',
          '--cluster-announce-ip', '127.0.0.1',
        ], [], port),
      );
    }
    if (masters === 1 && replicas === 0) {
      // redis-cli --cluster create wants 3 masters; one node simply takes every slot
      await redisCommand(url(nodes[0]!.port), ['CLUSTER', 'ADDSLOTSRANGE', 0, 16_383]);
    } else {
      await run(cli, [
        ...(opts.password === undefined ? [] : ['-a', opts.password, '--no-auth-warning']),
        '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas', String(replicas), '--cluster-yes',
      ], { timeout: 30_000 });
    }
    await waitFor(async () => {
      const infos = await Promise.all(nodes.map((n) => redisCommand(url(n.port), ['CLUSTER', 'INFO'])));
      return infos.every((i) => /cluster_state:ok/.test(String(i)) && new RegExp(`cluster_known_nodes:${nodes.length}`).test(String(i)));
    }, { timeoutMs: 30_000, message: 'cluster state ok on every node' });

    const aliveUrl = (): string => {
      const n = nodes.find((x) => x.alive);
      if (n === undefined) throw new Error('every cluster node is down');
      return url(n.port);
    };
    const masterPortOf = async (key: string): Promise<number> => {
      const slot = Number(await redisCommand(aliveUrl(), ['CLUSTER', 'KEYSLOT', key]));
      const slots = await redisCommand(aliveUrl(), ['CLUSTER', 'SLOTS']);
      for (const range of (slots ?? []) as RespValue[][]) {
        if (Number(range[0]) <= slot && slot <= Number(range[1])) return Number((range[2] as RespValue[])[1]);
      }
      throw new Error(`slot ${slot} is not served`);
    };
    return {
      nodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
      masterPortOf,
      pidOf: (port) => nodes.find((n) => n.port === port)?.pid,
      async masterPorts() {
        const slots = await redisCommand(aliveUrl(), ['CLUSTER', 'SLOTS']);
        return [...new Set(((slots ?? []) as RespValue[][]).map((r) => Number((r[2] as RespValue[])[1])))];
      },
      async killMasterOf(key) {
        const killed = await masterPortOf(key);
        const node = nodes.find((n) => n.port === killed);
        if (node === undefined) throw new Error(`master port ${killed} is not one of this cluster's nodes`);
        await node.terminate('SIGKILL');
        const promoted = await waitFor(async () => {
          const p = await masterPortOf(key).catch(() => killed);
          if (p === killed) return undefined;
          const info = await redisCommand(url(p), ['CLUSTER', 'INFO']).catch(() => '');
          return /cluster_state:ok/.test(String(info)) ? p : undefined;
        }, { timeoutMs: 30_000, intervalMs: 100, message: 'a replica took over the slot' });
        return { killed, promoted };
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A redis-server in its own directory on `port` (a free one by default), retried on a port race. */
async function startNode(bin: string, dir: string, extra: readonly string[], leading: readonly string[] = [], fixedPort?: number): Promise<Node> {
  await mkdir(dir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    try {
      return new Node(port, await spawnRedis(bin, port, dir, extra, leading));
    } catch (err) {
      if (attempt >= 3 || fixedPort !== undefined || !(err instanceof Error) || !/is taken/.test(err.message)) throw err;
    }
  }
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort();
    if (p + 10_000 <= 65_535 && (await portFree(p + 10_000))) return p;
  }
  throw new Error('no free port pair (port, port + 10000) for a cluster node');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A field of a flat [k, v, k, v …] reply. */
function field(reply: RespValue, name: string): RespValue | undefined {
  if (!Array.isArray(reply)) return undefined;
  const i = reply.indexOf(name);
  return i >= 0 && i % 2 === 0 ? reply[i + 1] : undefined;
}
