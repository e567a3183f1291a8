// Adding a dialect must not slow the others: an edge serving all five dialects encodes each bus message once
// per dialect that has subscribers for it — never per client, never for dialects nobody on this edge reads.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import {
  chainfanDialect, createRustoriumDialect, type Dialect, type Envelope, evrmoreRpcDialect, theBlockDialect, zionDialect,
} from '@chainfan/protocol';
import { createEdgeMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { edgeConfig } from './config.js';
import { Edge } from './edge.js';
import { WsTestClient } from './testing/ws-test-client.js';

const log = createLogger({ service: 'encode-once-test', level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The dialect with `encodeEvent` counted per channel; everything else as is. */
function counted(d: Dialect, calls: Map<string, number>): Dialect {
  return {
    ...d,
    encodeEvent: (env: Envelope) => {
      const k = `${d.name}:${env.channel}`;
      calls.set(k, (calls.get(k) ?? 0) + 1);
      return d.encodeEvent(env);
    },
  };
}

const block = (height: number): string => JSON.stringify({ hash: height.toString(16).padStart(64, '0'), height, tx: [], time: 1_740_000_000 + height });

describe('encode once per (message, dialect)', () => {
  it('encodes each event once for each dialect with subscribers and never for the others, however many clients read it', async () => {
    const calls = new Map<string, number>();
    const dialects = [
      evrmoreRpcDialect, chainfanDialect, theBlockDialect, zionDialect, createRustoriumDialect({ heartbeatMs: 30_000, maxConfirmations: 6 }),
    ].map((d) => counted(d, calls)) as [Dialect, ...Dialect[]];
    const bus = new MemoryBus();
    const edge = new Edge({ bus, log, metrics: createEdgeMetrics(createRegistry({ defaultMetrics: false })), config: edgeConfig({ host: '127.0.0.1', port: 0 }), dialects });
    const { port } = await edge.start();
    cleanups.push(() => bus.close(), () => edge.close());
    const connect = async (path: string): Promise<WsTestClient> => {
      const c = await WsTestClient.connect(`ws://127.0.0.1:${port}${path}`);
      cleanups.push(() => c.terminate());
      return c;
    };

    // 20 evrmore-rpc and 10 native clients read blocks; The Block, ZION and Rustorium clients are connected but read
    // no blocks (The Block's subscriber reads a stream that blocks do not feed).
    const evr = await Promise.all(Array.from({ length: 20 }, () => connect('/')));
    const native = await Promise.all(Array.from({ length: 10 }, () => connect('/chainfan')));
    for (const c of [...evr, ...native]) await c.command({ action: 'subscribe', topic: 'blocks' });
    const idle = [await connect('/theblock'), await connect('/zion'), await connect('/ws')];
    idle[0]!.send({ type: 'subscribe', stream: 'peers' });
    await idle[0]!.waitForEvents(1, 'subscribed');

    const N = 25;
    for (let h = 1; h <= N; h++) await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: block(h) });
    for (const c of [...evr, ...native]) await c.waitForEvents(N, 'block', 5_000);

    expect(calls.get('evrmore-rpc:blocks')).toBe(N);
    expect(calls.get('chainfan:blocks')).toBe(N);
    for (const d of ['theblock', 'zion', 'rustorium']) expect(calls.get(`${d}:blocks`) ?? 0).toBe(0);

    // a ZION client that starts reading blocks costs ZION one encode per later message, no more
    const zion = idle[1]!;
    zion.send({ type: 'subscribe', channels: ['blockchain'] });
    await zion.waitForEvents(1, 'subscribed', 2_000);
    for (let h = N + 1; h <= N + 5; h++) await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: block(h) });
    await zion.waitForEvents(5, 'event', 5_000);
    for (const c of evr) await c.waitForEvents(N + 5, 'block', 5_000);
    expect(calls.get('zion:blocks')).toBe(5);
    expect(calls.get('evrmore-rpc:blocks')).toBe(N + 5);
    expect(calls.get('theblock:blocks') ?? 0).toBe(0);
  });
});
