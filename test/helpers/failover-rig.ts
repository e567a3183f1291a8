// A steady publisher, edges and WebSocket clients around one Redis topology, for tests that kill a Redis master
// mid-stream and then account for every message each client should have seen.
import { type Bus, type Coordinator, RedisBus, type RedisTopology } from '@chainfan/bus';
import { Edge, edgeConfig } from '@chainfan/edge';
import { ChainfanError } from '@chainfan/protocol';
import { createEdgeMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { WebSocket } from 'ws';

const log = createLogger({ service: 'failover-test', level: 'silent' });

export interface RigClient {
  /** block heights in arrival order */
  readonly heights: number[];
  /** resync notices received */
  resyncs: number;
  /** arrival order of both: a height, or 'resync' */
  readonly log: (number | 'resync')[];
  /** `height@epoch/seq` in arrival order, for the failure message */
  readonly positions: string[];
}

/** One client's account of the stream 1..total. */
export interface ClientVerdict {
  readonly received: number;
  /** a height delivered again with no resync notice since its first delivery */
  readonly duplicates: number;
  /** a height delivered again after a resync notice (a new epoch: the client was told its position is void) */
  readonly redelivered: number;
  /** heights never delivered, while the client got no resync notice telling it so */
  readonly lostSilently: number;
  /** heights never delivered, announced by a resync notice */
  readonly lostAnnounced: number;
  readonly resyncs: number;
}

export function verdict(c: RigClient, total: number): ClientVerdict {
  const seen = new Map<number, number>();
  for (const h of c.heights) seen.set(h, (seen.get(h) ?? 0) + 1);
  let missing = 0;
  for (let h = 1; h <= total; h++) if (!seen.has(h)) missing++;
  let duplicates = 0;
  let redelivered = 0;
  let resyncsSoFar = 0;
  const firstSeenAfter = new Map<number, number>(); // height → resync notices before its last delivery
  for (const e of c.log) {
    if (e === 'resync') {
      resyncsSoFar++;
      continue;
    }
    const prev = firstSeenAfter.get(e);
    if (prev !== undefined && prev === resyncsSoFar) duplicates++;
    else if (prev !== undefined) redelivered++;
    firstSeenAfter.set(e, resyncsSoFar);
  }
  return { received: c.heights.length, duplicates, redelivered, lostSilently: c.resyncs === 0 ? missing : 0, lostAnnounced: c.resyncs > 0 ? missing : 0, resyncs: c.resyncs };
}

export interface Rig {
  readonly clients: readonly RigClient[];
  readonly publisher: SteadyPublisher;
  close(): Promise<void>;
}

/** `edges` Edge instances, each on its own RedisBus, each with `clientsPerEdge` clients subscribed to blocks. */
export async function startRig(topology: RedisTopology, keyPrefix: string, o: { edges: number; clientsPerEdge: number; total: number; intervalMs: number }): Promise<Rig> {
  const closers: (() => Promise<void>)[] = [];
  const clients: RigClient[] = [];
  try {
    for (let e = 0; e < o.edges; e++) {
      const bus = new RedisBus({ topology, keyPrefix, maxReconnectDelayMs: 200, commandTimeoutMs: 2_000 });
      closers.push(() => bus.close());
      await bus.ready(15_000);
      const edge = new Edge({ bus, log, metrics: createEdgeMetrics(createRegistry({ defaultMetrics: false })), config: edgeConfig({ host: '127.0.0.1', port: 0 }) });
      const { port } = await edge.start();
      closers.push(() => edge.close());
      for (let i = 0; i < o.clientsPerEdge; i++) {
        const { client, ws } = await connectClient(`ws://127.0.0.1:${port}/`);
        closers.push(async () => ws.terminate());
        clients.push(client);
      }
    }
    const bus = new RedisBus({ topology, keyPrefix, maxReconnectDelayMs: 200, commandTimeoutMs: 2_000 });
    closers.push(() => bus.close());
    await bus.ready(15_000);
    const publisher = new SteadyPublisher(bus, o.total, o.intervalMs);
    closers.push(() => publisher.stop());
    return {
      clients,
      publisher,
      close: async () => {
        for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

async function connectClient(url: string): Promise<{ client: RigClient; ws: WebSocket }> {
  const ws = new WebSocket(url);
  const client: RigClient = { heights: [], resyncs: 0, log: [], positions: [] };
  let acked = false;
  ws.on('message', (data: Buffer) => {
    const f = JSON.parse(data.toString('utf8')) as { type?: string; epoch?: string; seq?: number; data?: { h?: number; status?: string } };
    if (f.type === 'resync') {
      client.resyncs++;
      client.log.push('resync');
      client.positions.push(`resync ${data.toString('utf8').slice(0, 200)}`);
    } else if (f.type === 'subscription') {
      acked = true;
    } else if (typeof f.data?.h === 'number') {
      client.heights.push(f.data.h);
      client.log.push(f.data.h);
      client.positions.push(`${f.data.h}@${f.epoch}/${f.seq}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ action: 'subscribe', topic: 'blocks' }));
  await waitFor(() => acked, { timeoutMs: 5_000, message: 'subscribe ack' });
  return { client, ws };
}

/**
 * What the ingestor does, reduced to its bus traffic: blocks 1..total at a steady rate, each with its height as the
 * checkpoint and the leader's fencing token; after any failure it re-reads the checkpoint and goes on from there
 * (a publish whose outcome was unknown is then neither lost nor repeated), re-acquiring the lease when fenced.
 */
export class SteadyPublisher {
  readonly #bus: Bus & Coordinator & { readonly stats: { fenceRestamps: number } };
  readonly #total: number;
  readonly #intervalMs: number;
  #token: string | undefined;
  #stopped = false;
  #renew: ReturnType<typeof setInterval> | undefined;
  /** confirmed publishes, as [height, ms since start] */
  readonly confirmed: { h: number; at: number }[] = [];
  failures = 0;
  lastError = '';
  fenced = 0;
  leaseChanges = 0;
  readonly #t0 = performance.now();
  done: Promise<void> | undefined;

  constructor(bus: RedisBus, total: number, intervalMs: number) {
    this.#bus = bus;
    this.#total = total;
    this.#intervalMs = intervalMs;
  }

  get fenceRestamps(): number {
    return this.#bus.stats.fenceRestamps;
  }

  now(): number {
    return performance.now() - this.#t0;
  }

  start(): void {
    this.#renew = setInterval(() => {
      const t = this.#token;
      if (t === undefined) return;
      this.#bus.renewLease(t, 3_000).then((ok) => {
        if (!ok && this.#token === t) this.#token = undefined;
      }, () => undefined); // Redis unreachable: the next publish finds out
    }, 500);
    this.done = this.#run();
  }

  async #run(): Promise<void> {
    let next = 1;
    while (next <= this.#total && !this.#stopped) {
      try {
        this.#token ??= await this.#acquire();
        await this.#bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: `{"h":${next}}` }, { fencingToken: this.#token, checkpoint: String(next) });
        this.confirmed.push({ h: next, at: this.now() });
        next++;
        await pause(this.#intervalMs); // the steady rate is the point: a publish every intervalMs
      } catch (err) {
        this.failures++;
        if (err instanceof ChainfanError && err.code === 'CHAINFAN_PUBLISH_FENCED') {
          this.fenced++;
          this.#token = undefined;
        }
        this.lastError = err instanceof Error ? err.message : String(err);
        await waitFor(() => this.#stopped || this.#bus.state === 'up', { timeoutMs: 60_000, intervalMs: 20, message: `bus up again (last error: ${this.lastError})` });
        // the checkpoint says what really got sequenced, whatever the failed call's fate: without it, going on
        // could repeat a publish that did land, so keep asking until Redis answers
        const cp = await waitFor(() => this.#stopped ? { v: undefined } : this.#bus.readCheckpoint().then((v) => ({ v })), {
          timeoutMs: 60_000, intervalMs: 50, message: `checkpoint readable (last error: ${this.lastError})`,
        });
        if (cp.v !== undefined) next = Number(cp.v) + 1;
        await pause(50); // retry backoff
      }
    }
  }

  async #acquire(): Promise<string> {
    const token = await waitFor(() => this.#stopped ? 'stopped' : this.#bus.acquireLease('steady', 3_000), {
      timeoutMs: 60_000, intervalMs: 100, message: `leader lease (bus ${this.#bus.state}, last error: ${this.lastError})`,
    });
    this.leaseChanges++;
    return token;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#renew);
    await this.done?.catch(() => undefined);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
