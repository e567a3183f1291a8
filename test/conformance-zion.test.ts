// ZION conformance: what its WebSocket-RPC guide shows, message by message and field by field, checked against a
// running cluster (node-sim → ingestor → Redis → edge): the welcome, event, metrics_update and error messages, the
// client's ping / subscribe / get_status, the pool's `block_found` event (height, hash, reward), and the JSON-RPC
// methods subscribe_events, get_websocket_status and broadcast_event with their documented results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocumentedFields, expectDocumented } from './helpers/conformance.js';
import { type Cluster, mineUntil, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient } from './helpers/json-ws-client.js';

const ADMIN_KEY = 'zion-conformance-admin';
const EVENT: DocumentedFields = { type: 'string', event_type: 'string', data: 'object' };
const RPC_ANSWER: DocumentedFields = { result: 'object', error: 'null', id: 'int' };

describe('ZION conformance: every documented message and field', () => {
  let c: Cluster;
  let ws: JsonWsClient;

  const rpc = async (body: unknown, token?: string): Promise<Json> => {
    const res = await fetch(c.http(0, '/zion'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };

  beforeAll(async () => {
    c = await startCluster({ edges: [{ CHAINFAN_EDGE_ADMIN_API_KEYS: ADMIN_KEY, CHAINFAN_EDGE_STATS_INTERVAL_MS: '100' }] });
    ws = await JsonWsClient.connect(c.ws(0, '/zion'));
  });

  afterAll(async () => {
    ws?.close();
    await c?.close();
  });

  it('greets with welcome carrying the server info', async () => {
    const w = await ws.next((f) => f['type'] === 'welcome');
    expectDocumented(w, { type: 'string', server: 'object' }, 'welcome');
  });

  it('sends metrics_update with data.mining, without a subscription', async () => {
    const m = await ws.next((f) => f['type'] === 'metrics_update');
    expectDocumented(m, { type: 'string', data: 'object', 'data.mining': 'object' }, 'metrics_update');
  });

  it('answers the documented ping, subscribe and get_status messages', async () => {
    expectDocumented(await ws.request({ type: 'ping' }, (f) => f['type'] === 'pong'), { type: 'string', timestamp: 'int' }, 'pong');
    const from = ws.frames.length;
    ws.send({ type: 'subscribe', channels: ['blockchain', 'mining'] });
    await ws.next(() => ws.frames.slice(from).filter((f) => f['type'] === 'subscribed').length === 2);
    for (const ack of ws.frames.slice(from).filter((f) => f['type'] === 'subscribed')) expectDocumented(ack, { type: 'string', channels: 'array' }, 'subscribed');
    const s = await ws.request({ type: 'get_status' }, (f) => f['type'] === 'status');
    expectDocumented(s, { type: 'string', data: 'object', 'data.connected_clients': 'int', 'data.server_running': 'boolean', 'data.websocket_enabled': 'boolean' }, 'status');
  });

  it('sends chain events as `event` messages, and the pool\'s block_found with height, hash and reward', async () => {
    await mineUntil(c.sim, () => ws.frames.some((f) => f['event_type'] === 'new_block') && ws.frames.some((f) => f['event_type'] === 'block_found'));
    expectDocumented(ws.frames.find((f) => f['event_type'] === 'new_block'), EVENT, 'event new_block');
    const found = ws.frames.find((f) => f['event_type'] === 'block_found')!;
    expectDocumented(found, { ...EVENT, 'data.height': 'int', 'data.hash': 'string', 'data.reward': 'number' }, 'event block_found');
    // the subsidy of a block at that height on Evrmore (2,778 EVR before the first halving)
    expect((found['data'] as Json)['reward']).toBe(2778);
  });

  it('answers mistakes with an error message', async () => {
    expectDocumented(await ws.request({ type: 'fly' }, (f) => f['type'] === 'error'), { type: 'string', message: 'string' }, 'error');
  });

  it('answers subscribe_events with the documented result', async () => {
    const r = await rpc({ jsonrpc: '2.0', method: 'subscribe_events', params: [['blockchain', 'mining']], id: 1 });
    expectDocumented(r, { ...RPC_ANSWER, 'result.status': 'string', 'result.channels': 'array', 'result.websocket_url': 'string', 'result.message': 'string' }, 'subscribe_events');
    expect(r).toMatchObject({ id: 1, result: { status: 'subscribed', channels: ['blockchain', 'mining'] } });
  });

  it('answers get_websocket_status with the documented result', async () => {
    const r = await rpc({ jsonrpc: '2.0', method: 'get_websocket_status', params: [], id: 2 });
    expectDocumented(r, {
      ...RPC_ANSWER, 'result.websocket_enabled': 'boolean', 'result.websocket_host': 'string', 'result.websocket_port': 'int',
      'result.connected_clients': 'int', 'result.server_running': 'boolean',
    }, 'get_websocket_status');
    expect(r).toMatchObject({ id: 2, result: { websocket_enabled: true, server_running: true, websocket_port: c.ports[0]!.port } });
  });

  it('broadcast_event (admin) reaches the client as an event with the broadcast\'s type and data', async () => {
    const from = ws.frames.length;
    const r = await rpc({ jsonrpc: '2.0', method: 'broadcast_event', params: ['custom_event', { message: 'Hello World' }], id: 3 }, ADMIN_KEY);
    expectDocumented(r, RPC_ANSWER, 'broadcast_event');
    const e = await ws.next((f) => f['type'] === 'event' && f['event_type'] === 'custom_event', 5_000, from);
    expectDocumented(e, { ...EVENT, 'data.message': 'string' }, 'event custom_event');
  });
});
