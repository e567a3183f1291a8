// Batched frames end to end: a real Edge on uWS behind the BatchingTransport, MemoryBus, `ws` clients.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { ManualClock } from '@chainfan/protocol';
import { createEdgeMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { batchingTransportFactory } from './batching-factory.js';
import { edgeConfig } from '../config.js';
import { Edge } from '../edge.js';
import { WsTestClient } from '../testing/ws-test-client.js';

const log = createLogger({ service: 'edge-test', level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('batched frames through a real edge', () => {
  it('sends a ?batch=1 client one NDJSON frame per window while a plain client gets one frame per message', async () => {
    const bus = new MemoryBus();
    const window = new ManualClock();
    const createTransport = batchingTransportFactory({ windowMs: 2, maxBytes: 65_536 }, window)!;
    const edge = new Edge({
      bus, log, metrics: createEdgeMetrics(createRegistry({ defaultMetrics: false })), config: edgeConfig({ host: '127.0.0.1', port: 0 }), createTransport,
    });
    const { port } = await edge.start();
    cleanups.push(() => bus.close(), () => edge.close());
    const plain = await WsTestClient.connect(`ws://127.0.0.1:${port}/`);
    const batched = await WsTestClient.connect(`ws://127.0.0.1:${port}/?batch=1`);
    cleanups.push(() => plain.terminate(), () => batched.terminate());
    for (const c of [plain, batched]) expect((await c.command({ action: 'subscribe', topic: 'blocks' })).json?.type).toBe('subscription');

    for (let h = 1; h <= 3; h++) await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: `{"height":${h}}` });
    await waitFor(() => plain.events().length === 3);
    expect(batched.events()).toEqual([]);
    window.fireAll();
    await waitFor(() => batched.frames.length === 2); // the ack, then one batch

    const batch = batched.frames[1]!.text.split('\n');
    expect(batch).toHaveLength(3);
    expect(batch).toEqual(plain.events().map((f) => f.text));
    expect(batch.map((l) => (JSON.parse(l) as { data: unknown }).data)).toEqual([{ height: 1 }, { height: 2 }, { height: 3 }]);
  });
});
