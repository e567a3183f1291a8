// deploy/nginx as shipped, in front of real edges: `nginx -t`, the per-IP connection limit, and 1,000 SDK clients
// that lose their edge (SIGKILL), reconnect through nginx to the survivors and then miss nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { RedisBus, waitForBusUp } from '@chainfan/bus';
import { ChainfanClient, type ChainfanMessage, type WebSocketConstructor } from '@chainfan/client/node';
import { freePort, type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import { metricSum } from './helpers/ops-metrics.js';
import { edgePorts } from './helpers/role-ports.js';
import { NginxProcess, nginxConfigTest, prepareNginxConfig, SHIPPED_NGINX_DIR, shippedPerIpLimit } from './helpers/nginx.js';

const CLIENTS = 1_000;
/** Clients come from 10 loopback addresses, 100 each: below the shipped per-IP limit, as real users would be. */
const SOURCES = Array.from({ length: 10 }, (_, i) => `127.0.0.${11 + i}`);

/** `ws` bound to one source address, in the constructor shape the SDK takes. */
function wsFrom(localAddress: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress });
    }
  } as unknown as WebSocketConstructor;
}

interface Edge {
  readonly proc: ChainfanProcess;
  readonly port: number;
  readonly opsPort: number;
}

async function startEdge(redisUrl: string): Promise<Edge> {
  const proc = new ChainfanProcess('edge', [], {
    CHAINFAN_REDIS_URL: redisUrl, CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_EDGE_OPS_PORT: '0',
  });
  return { proc, ...(await edgePorts(proc)) };
}

describe('deploy/nginx', () => {
  it('nginx -t accepts the shipped configuration, which has the WebSocket essentials', () => {
    const { dir } = prepareNginxConfig({ upstreams: ['127.0.0.1:18765', '127.0.0.1:18766'], listenPort: 18080 });
    try {
      const r = nginxConfigTest(dir);
      expect(r.output).toContain('test is successful');
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // the site and the proxy snippet both its servers (plain and TLS) include
    const site = ['conf.d/chainfan.conf', 'snippets/chainfan-proxy.conf'].map((f) => readFileSync(join(SHIPPED_NGINX_DIR, f), 'utf8')).join('\n');
    expect(site).toMatch(/map \$http_upgrade \$chainfan_connection_upgrade/);
    expect(site).toMatch(/proxy_http_version 1\.1;/);
    expect(site).toMatch(/upstream chainfan_edges \{[^}]*\bzone chainfan_edges \d+k;[^}]*\bleast_conn;/);
    expect(site).toMatch(/proxy_buffering off;/);
    expect(site).toMatch(/limit_conn_zone \$binary_remote_addr zone=chainfan_perip/);
    // Longer than the edge's idle timeout (120 s by default, uWS pings before it) and evrmore-rpc's 30 s pings.
    const readTimeout = Number(/proxy_read_timeout (\d+)s;/.exec(site)?.[1]);
    expect(readTimeout).toBeGreaterThan(120);
    const upstreams = readFileSync(join(SHIPPED_NGINX_DIR, 'upstream.d/edges.conf'), 'utf8');
    expect(upstreams.match(/^server \S+ max_fails=\d+ fail_timeout=\d+s;$/gm)).toHaveLength(3);
  });

  describe('in front of three edges on one Redis', () => {
    let redis: RedisHandle;
    let bus: RedisBus;
    const edges: Edge[] = [];
    let nginx: NginxProcess;

    beforeAll(async () => {
      redis = await startRedis();
      edges.push(...(await Promise.all([0, 1, 2].map(() => startEdge(redis.url)))));
      nginx = await NginxProcess.start({ upstreams: edges.map((e) => `127.0.0.1:${e.port}`), listenPort: await freePort() });
      bus = new RedisBus({ url: redis.url });
      await waitForBusUp(bus, 10_000);
    });

    afterAll(async () => {
      await bus?.close();
      await nginx?.stop();
      await Promise.all(edges.map((e) => e.proc.stop()));
      await redis?.stop();
    });

    it('refuses connections from one IP beyond the shipped per-IP limit with 429', async () => {
      const limit = shippedPerIpLimit();
      const url = `ws://127.0.0.1:${nginx.port}/`;
      const open = (): Promise<WebSocket | number> => new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { localAddress: '127.0.0.50' });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', reject);
      });
      const sockets = await Promise.all(Array.from({ length: limit }, open));
      try {
        expect(sockets.filter((s) => typeof s === 'number')).toEqual([]);
        expect(await open()).toBe(429);
        // another address is not affected
        const other = await new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { localAddress: '127.0.0.51' });
          ws.once('open', () => resolve(ws)).once('error', reject);
        });
        other.close();
      } finally {
        for (const s of sockets) if (typeof s !== 'number') s.terminate();
      }
      await waitFor(async () => (await Promise.all(edges.map((e) => metricSum(e.opsPort, 'chainfan_edge_connections')))).every((n) => n === 0), {
        timeoutMs: 10_000, message: 'edges see the limit-test sockets closed',
      });
    });

    it('1,000 clients survive a SIGKILLed edge: they reconnect through nginx and then receive every message exactly once', async () => {
      const url = `ws://127.0.0.1:${nginx.port}/`;
      const received: number[][] = Array.from({ length: CLIENTS }, () => []);
      const reconnects = new Array<number>(CLIENTS).fill(0);
      const clients = Array.from({ length: CLIENTS }, (_, i) => {
        const c = new ChainfanClient({ url, WebSocket: wsFrom(SOURCES[i % SOURCES.length]!), reconnect: { initialDelayMs: 50, maxDelayMs: 1_000 } });
        c.on('message', (m: ChainfanMessage) => {
          if (m.type === 'block') received[i]!.push((m.data as { height: number }).height);
        });
        c.on('reconnecting', () => {
          reconnects[i]! += 1;
        });
        return c;
      });
      const connectionsPerEdge = (list: readonly Edge[]) => Promise.all(list.map((e) => metricSum(e.opsPort, 'chainfan_edge_connections')));
      const blockSubscriptions = (list: readonly Edge[]) =>
        Promise.all(list.map((e) => metricSum(e.opsPort, 'chainfan_edge_subscriptions', { topic_kind: 'blocks' }))).then((n) => n.reduce((a, b) => a + b, 0));
      let height = 0;
      const publish = async (count: number): Promise<number[]> => {
        const sent: number[] = [];
        for (let k = 0; k < count; k++) {
          height += 1;
          await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: JSON.stringify({ height, hash: height.toString(16).padStart(64, '0') }) });
          sent.push(height);
        }
        return sent;
      };
      try {
        await Promise.all(clients.map((c) => c.subscribe('blocks')));
        await waitFor(async () => (await blockSubscriptions(edges)) === CLIENTS, { timeoutMs: 20_000, message: 'all subscribed' });
        const spread = await connectionsPerEdge(edges);
        expect(spread.reduce((a, b) => a + b, 0)).toBe(CLIENTS);
        // least_conn: no edge is left out, none takes the lot
        for (const n of spread) expect(n).toBeGreaterThan(CLIENTS / 10);

        const before = await publish(5);
        await waitFor(() => received.every((r) => r.length === before.length), { timeoutMs: 20_000, message: 'first messages reach every client' });

        const victim = edges[0]!;
        const survivors = edges.slice(1);
        const orphaned = spread[0]!;
        victim.proc.child.kill('SIGKILL');
        await victim.proc.exited();

        // Clients come back through nginx (the dead edge refuses connects; nginx retries the next one and takes it out).
        await waitFor(async () => (await blockSubscriptions(survivors)) === CLIENTS && clients.every((c) => c.state === 'open'), {
          timeoutMs: 30_000, intervalMs: 100, message: 'every client re-subscribed on a surviving edge',
        });
        expect((await connectionsPerEdge(survivors)).reduce((a, b) => a + b, 0)).toBe(CLIENTS);
        expect(reconnects.filter((n) => n > 0)).toHaveLength(orphaned);

        const after = await publish(20);
        await waitFor(() => received.every((r) => after.every((h) => r.includes(h))), {
          timeoutMs: 30_000, intervalMs: 100, message: 'messages after the reconnect reach every client',
        });
        for (const r of received) {
          const tail = r.filter((h) => h > before.at(-1)!);
          expect(tail.filter((h) => h >= after[0]!)).toEqual(after); // exactly once, in order
          expect(new Set(r).size).toBe(r.length);
        }
        // setrlimit alerts only say the sandbox's hard limit is below worker_rlimit_nofile; anything else is a finding
        expect(nginx.errorLog().split('\n').filter((l) => /\[(alert|emerg|crit)\]/.test(l) && !l.includes('setrlimit'))).toEqual([]);
      } finally {
        await Promise.all(clients.map((c) => c.close()));
      }
    });
  });
});
