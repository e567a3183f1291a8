// The Block's WebSocket protocol against a running cluster (node-sim → ingestor → Redis → edge): welcome, subscribe,
// the four streams in their documented shapes, ping/pong, unsubscribe and the documented error frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient, shapeProblems } from './helpers/json-ws-client.js';

const NETWORK_METRICS = {
  network_strength: 'int', block_height: 'int', finality_time: 'int', peer_count: 'int', tps: 'number', bandwidth_in: 'int', bandwidth_out: 'int', active_connections: 'int',
};
const MARKET = { status: 'string', active_jobs: 'int', total_providers: 'int' };
const RECEIPT = { id: 'string', market: 'string', block_height: 'int', timestamp: 'int', provider: 'string|null', consumer: 'string|null', amount: 'number' };

describe('The Block dialect (/theblock), end to end', () => {
  let c: Cluster;
  let ws: JsonWsClient;

  beforeAll(async () => {
    c = await startCluster({ edges: [{}] });
    ws = await JsonWsClient.connect(c.ws(0, '/theblock'));
  });

  afterAll(async () => {
    ws?.close();
    await c?.close();
  });

  it('greets with the documented welcome', async () => {
    const w = await ws.next((f) => f['type'] === 'welcome');
    expect(shapeProblems(w, { type: 'string', message: 'string', available_streams: 'array', timestamp: 'int' })).toEqual([]);
    expect(w['available_streams']).toEqual(['network_metrics', 'markets_health', 'receipts', 'peers']);
    expect(Math.abs((w['timestamp'] as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('subscribes to network_metrics and streams it with every documented field, from the node', async () => {
    const ack = await ws.request({ type: 'subscribe', stream: 'network_metrics' }, (f) => f['type'] === 'subscribed');
    expect(shapeProblems(ack, { type: 'string', stream: 'string', timestamp: 'int' })).toEqual([]);
    expect(ack['stream']).toBe('network_metrics');
    await c.sim.mineBlock();
    const height = c.sim.height;
    const m = await ws.next((f) => f['type'] === 'network_metrics' && (f['data'] as Json)['block_height'] === height);
    expect(shapeProblems(m, { type: 'string', data: 'object', timestamp: 'int' })).toEqual([]);
    expect(shapeProblems(m['data'], NETWORK_METRICS)).toEqual([]);
    const { connections } = await c.rpc<{ connections: number }>('getnetworkinfo');
    expect(m['data']).toMatchObject({ peer_count: connections, active_connections: connections });
    // periodic: the next one follows within a few of the ingestor's 250 ms periods
    const count = ws.ofType('network_metrics').length;
    await ws.next(() => ws.ofType('network_metrics').length > count + 1, 5_000);
    // bandwidth from the node's getnettotals: a mined block's bytes show up as traffic in and out
    await c.sim.mineBlock();
    const busy = await ws.next((f) => f['type'] === 'network_metrics' && ((f['data'] as Json)['bandwidth_in'] as number) > 0);
    expect((busy['data'] as Json)['bandwidth_out']).toBeGreaterThan(0);
  });

  it('streams peers with the documented fields', async () => {
    await ws.request({ type: 'subscribe', stream: 'peers' }, (f) => f['type'] === 'subscribed' && f['stream'] === 'peers');
    const p = await ws.next((f) => f['type'] === 'peers');
    expect(shapeProblems(p, { type: 'string', data: 'object', timestamp: 'int' })).toEqual([]);
    const data = p['data'] as { peers: Json[]; total: number };
    expect(shapeProblems(data, { peers: 'array', total: 'int' })).toEqual([]);
    expect(data.total).toBe((await c.rpc<unknown[]>('getpeerinfo')).length);
    for (const peer of data.peers) expect(shapeProblems(peer, { id: 'string', address: 'string', latency_ms: 'int|number|null', is_validator: 'boolean' })).toEqual([]);
  });

  it('sends receipts for asset transfers once they are mined, batched every 3 s', async () => {
    await ws.request({ type: 'subscribe', stream: 'receipts' }, (f) => f['type'] === 'subscribed' && f['stream'] === 'receipts');
    const issued = await c.sim.issueAsset();
    const block = await c.sim.mineBlock();
    // the asset event is published at mempool time (or with its block, if ZMQ missed it); the receipt once mined
    const batch = await ws.next((f) => f['type'] === 'receipts' && (f['data'] as { receipts: Json[] }).receipts.some((r) => (r['id'] as string).startsWith(`${issued.txid}:`)), 15_000);
    expect(shapeProblems(batch, { type: 'string', data: 'object', timestamp: 'int' })).toEqual([]);
    const data = batch['data'] as { receipts: Json[]; count: number };
    expect(shapeProblems(data, { receipts: 'array', count: 'int' })).toEqual([]);
    expect(data.count).toBe(data.receipts.length);
    const r = data.receipts.find((x) => (x['id'] as string).startsWith(`${issued.txid}:`))!;
    expect(shapeProblems(r, RECEIPT)).toEqual([]);
    expect(r['block_height']).toBe((await c.rpc<{ height: number }>('getblockheader', block.header.hash)).height);
    expect(typeof r['market']).toBe('string');
  }, 30_000);

  it('reports markets_health every 5 s from the node summaries', async () => {
    await ws.request({ type: 'subscribe', stream: 'markets_health' }, (f) => f['type'] === 'subscribed' && f['stream'] === 'markets_health');
    const h = await ws.next((f) => f['type'] === 'markets_health', 8_000);
    expect(shapeProblems(h, { type: 'string', data: 'object', timestamp: 'int' })).toEqual([]);
    const data = h['data'] as Json;
    expect(shapeProblems(data, { overall_status: 'string', markets: 'object', healthy_markets: 'int', total_markets: 'int' })).toEqual([]);
    for (const m of Object.values(data['markets'] as Record<string, Json>)) expect(shapeProblems(m, MARKET)).toEqual([]);
    expect(data['total_markets']).toBe(Object.keys(data['markets'] as Json).length);
  });

  it('answers ping with pong, unsubscribes, and stops the stream', async () => {
    const pong = await ws.request({ type: 'ping' }, (f) => f['type'] === 'pong');
    expect(shapeProblems(pong, { type: 'string', timestamp: 'int' })).toEqual([]);
    const un = await ws.request({ type: 'unsubscribe', stream: 'network_metrics' }, (f) => f['type'] === 'unsubscribed');
    expect(un).toMatchObject({ type: 'unsubscribed', stream: 'network_metrics' });
    const at = ws.frames.length;
    // peers are still subscribed: once two more peers messages came, no network_metrics can be in flight any more
    await ws.next(() => ws.frames.slice(at).filter((f) => f['type'] === 'peers').length >= 2, 5_000);
    expect(ws.frames.slice(at).filter((f) => f['type'] === 'network_metrics')).toEqual([]);
  });

  it('answers mistakes with the documented {"type":"error","message"} frame and keeps the connection', async () => {
    expect(await ws.request({ type: 'subscribe', stream: 'weather' }, (f) => f['type'] === 'error')).toEqual({ type: 'error', message: 'Invalid stream name' });
    expect(await ws.request('{not json', (f) => f['type'] === 'error')).toEqual({ type: 'error', message: 'Invalid JSON' });
    expect(await ws.request({ type: 'dance' }, (f) => f['type'] === 'error')).toEqual({ type: 'error', message: 'Unknown message type: dance' });
    expect(await ws.request({ type: 'unsubscribe', stream: 'network_metrics' }, (f) => f['type'] === 'error')).toMatchObject({ type: 'error' });
    expect(ws.closed).toBeUndefined();
  });
});
