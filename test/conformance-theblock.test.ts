// The Block conformance: what its WebSocket guide shows, message by message and field by field, checked against a
// running cluster (node-sim → ingestor → Redis → edge serving a static site, as `chainfan dev` does): the welcome,
// subscribed and error messages, the four streams with every documented field (markets_health with exactly the four
// documented markets), and the guide's troubleshooting answer to a plain HTTP request on the WebSocket path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocumentedFields, expectDocumented } from './helpers/conformance.js';
import { type Cluster, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient } from './helpers/json-ws-client.js';

const STREAM_MESSAGE: DocumentedFields = { type: 'string', data: 'object', timestamp: 'int' };
const NETWORK_METRICS: DocumentedFields = {
  'data.network_strength': 'int', 'data.block_height': 'int', 'data.finality_time': 'int', 'data.peer_count': 'int', 'data.tps': 'number',
  'data.bandwidth_in': 'int', 'data.bandwidth_out': 'int', 'data.active_connections': 'int',
};
const MARKETS = ['compute', 'storage', 'energy', 'ads'] as const;
const MARKETS_HEALTH: DocumentedFields = {
  'data.overall_status': 'string', 'data.markets': 'object', 'data.healthy_markets': 'int', 'data.total_markets': 'int',
  ...Object.fromEntries(MARKETS.flatMap((m) => [[`data.markets.${m}.status`, 'string'], [`data.markets.${m}.active_jobs`, 'int'], [`data.markets.${m}.total_providers`, 'int']])),
};
const RECEIPTS: DocumentedFields = {
  'data.receipts': 'array', 'data.count': 'int',
  'data.receipts.0.id': 'string', 'data.receipts.0.market': 'string', 'data.receipts.0.block_height': 'int', 'data.receipts.0.timestamp': 'int',
  'data.receipts.0.provider': 'string', 'data.receipts.0.consumer': 'string', 'data.receipts.0.amount': 'number',
};
const PEERS: DocumentedFields = {
  'data.peers': 'array', 'data.total': 'int',
  'data.peers.0.id': 'string', 'data.peers.0.address': 'string', 'data.peers.0.latency_ms': 'int', 'data.peers.0.is_validator': 'boolean',
};

describe('The Block conformance: every documented message and field', () => {
  let c: Cluster;
  let ws: JsonWsClient;
  let site: string;

  const subscribe = async (stream: string): Promise<Json> => {
    const ack = await ws.request({ type: 'subscribe', stream }, (f) => f['type'] === 'subscribed' && f['stream'] === stream);
    expectDocumented(ack, { type: 'string', stream: 'string', timestamp: 'int' }, `subscribed ${stream}`);
    return ack;
  };

  beforeAll(async () => {
    site = mkdtempSync(join(tmpdir(), 'chainfan-site-'));
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>dashboard</title>');
    c = await startCluster({ edges: [{ CHAINFAN_EDGE_STATIC_DIR: site }] });
    ws = await JsonWsClient.connect(c.ws(0, '/theblock'));
  });

  afterAll(async () => {
    ws?.close();
    await c?.close();
    rmSync(site, { recursive: true, force: true });
  });

  it('greets with the documented welcome, listing the four documented streams', async () => {
    const w = await ws.next((f) => f['type'] === 'welcome');
    expectDocumented(w, { type: 'string', message: 'string', available_streams: 'array', timestamp: 'int' }, 'welcome');
    expect(w['message']).toBe('Connected to The Block real-time data stream');
    expect(w['available_streams']).toEqual(['network_metrics', 'markets_health', 'receipts', 'peers']);
  });

  it('streams network_metrics with every documented field', async () => {
    await subscribe('network_metrics');
    expectDocumented(await ws.next((f) => f['type'] === 'network_metrics'), { ...STREAM_MESSAGE, ...NETWORK_METRICS }, 'network_metrics');
  });

  it('streams peers with every documented field', async () => {
    await subscribe('peers');
    const p = await ws.next((f) => f['type'] === 'peers' && ((f['data'] as Json)['peers'] as unknown[]).length > 0);
    expectDocumented(p, { ...STREAM_MESSAGE, ...PEERS }, 'peers');
  });

  it('streams markets_health with exactly the documented markets, each with every documented field', async () => {
    await subscribe('markets_health');
    const h = await ws.next((f) => f['type'] === 'markets_health', 8_000);
    expectDocumented(h, { ...STREAM_MESSAGE, ...MARKETS_HEALTH }, 'markets_health');
    const data = h['data'] as { markets: Json; total_markets: number; healthy_markets: number; overall_status: string };
    expect(Object.keys(data.markets)).toEqual([...MARKETS]);
    expect(data.total_markets).toBe(4);
    expect(data.healthy_markets).toBe(Object.values(data.markets).filter((m) => (m as Json)['status'] === 'healthy').length);
    for (const m of MARKETS) expect(['healthy', 'degraded', 'down', 'unknown'], m).toContain((data.markets[m] as Json)['status']);
  });

  it('sends receipts with every documented field, provider and consumer as addresses', async () => {
    await subscribe('receipts');
    await c.sim.issueAsset();
    await c.sim.mineBlock();
    const transfer = await c.sim.transferAsset();
    await c.sim.mineBlock();
    const has = (f: Json): boolean => f['type'] === 'receipts' && ((f['data'] as { receipts: Json[] }).receipts.some((r) => (r['id'] as string).startsWith(`${transfer.txid}:`)));
    const batch = await ws.next(has, 15_000);
    const receipts = (batch['data'] as { receipts: Json[] }).receipts;
    const mine = receipts.find((r) => (r['id'] as string).startsWith(`${transfer.txid}:`))!;
    expectDocumented({ ...batch, data: { ...(batch['data'] as Json), receipts: [mine] } }, { ...STREAM_MESSAGE, ...RECEIPTS }, 'receipts');
    expect((batch['data'] as Json)['count']).toBe(receipts.length);
    expect(mine['consumer']).not.toBe('');
    expect(mine['provider']).not.toBe('');
  }, 30_000);

  it('answers ping with pong and unsubscribe with unsubscribed (undocumented answers, see docs/dialects.md)', async () => {
    expectDocumented(await ws.request({ type: 'ping' }, (f) => f['type'] === 'pong'), { type: 'string', timestamp: 'int' }, 'pong');
    const un = await ws.request({ type: 'unsubscribe', stream: 'peers' }, (f) => f['type'] === 'unsubscribed');
    expectDocumented(un, { type: 'string', stream: 'string', timestamp: 'int' }, 'unsubscribed');
  });

  it('answers mistakes with the documented error message', async () => {
    const e = await ws.request({ type: 'subscribe', stream: 'weather' }, (f) => f['type'] === 'error');
    expectDocumented(e, { type: 'string', message: 'string' }, 'error');
    expect(e['message']).toBe('Invalid stream name');
  });

  it('answers a plain HTTP request on the WebSocket path with "upgrade required", even beside a static site', async () => {
    const res = await fetch(c.http(0, '/theblock'));
    expect(res.status).toBe(426);
    expect(await res.text()).toContain('upgrade required');
    // the site at / is still served
    expect((await fetch(c.http(0, '/'))).status).toBe(200);
  });
});
