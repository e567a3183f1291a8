// ZION's WebSocket + HTTP JSON-RPC protocol against a running cluster with two edges (node-sim → ingestor → Redis →
// 2 edges): welcome, periodic metrics_update, subscribe with channels, ping/pong, get_status, chain events; and over
// HTTP subscribe_events, get_websocket_status (cluster-wide) and broadcast_event (admins only, reaching every client
// on every edge).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@chainfan/testkit';
import { type Cluster, mineUntil, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient, shapeProblems } from './helpers/json-ws-client.js';

const USER_KEY = 'zion-user-key';
const ADMIN_KEY = 'zion-admin-key';
const JWT_SECRET = 'zion-jwt-secret-of-sufficient-length';

function hs256(claims: Json): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', JWT_SECRET).update(head).digest('base64url')}`;
}

describe('ZION dialect (/zion + HTTP JSON-RPC), end to end over two edges', () => {
  let c: Cluster;
  const clients: JsonWsClient[] = [];

  const rpc = async (edge: number, body: unknown, token?: string): Promise<{ status: number; json: Json }> => {
    const res = await fetch(c.http(edge, '/zion'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  };

  beforeAll(async () => {
    const env = {
      CHAINFAN_EDGE_API_KEYS: USER_KEY,
      CHAINFAN_EDGE_ADMIN_API_KEYS: ADMIN_KEY,
      CHAINFAN_EDGE_JWT_HS256_SECRET: JWT_SECRET,
      CHAINFAN_EDGE_JWT_ADMIN_CLAIM: 'roles',
      CHAINFAN_EDGE_STATS_INTERVAL_MS: '100',
    };
    c = await startCluster({ edges: [env, env] });
    for (const edge of [0, 0, 1]) clients.push(await JsonWsClient.connect(c.ws(edge, '/zion')));
  });

  afterAll(async () => {
    for (const ws of clients) ws.close();
    await c?.close();
  });

  it('greets every connection, then sends metrics_update periodically without being asked', async () => {
    for (const ws of clients) {
      const w = await ws.next((f) => f['type'] === 'welcome');
      expect(shapeProblems(w, { type: 'string', server: 'object', message: 'string', channels: 'array', timestamp: 'int' })).toEqual([]);
      const m = await ws.next((f) => f['type'] === 'metrics_update');
      expect(shapeProblems(m, { type: 'string', data: 'object', timestamp: 'int' })).toEqual([]);
      expect(shapeProblems(m['data'], { blockchain: 'object', mempool: 'object', network: 'object', mining: 'object' })).toEqual([]);
      expect((m['data'] as { blockchain: Json }).blockchain['height']).toBe(c.sim.height);
    }
    const ws = clients[0]!;
    const n = ws.ofType('metrics_update').length;
    await ws.next(() => ws.ofType('metrics_update').length >= n + 2, 5_000);
  });

  it('subscribes with channels and sends chain events as {"type":"event","event_type",…}', async () => {
    const ws = clients[0]!;
    const from = ws.frames.length;
    ws.send({ type: 'subscribe', channels: ['blockchain', 'mining'] });
    await ws.next(() => ws.frames.slice(from).filter((f) => f['type'] === 'subscribed').length === 2);
    expect(ws.frames.slice(from).filter((f) => f['type'] === 'subscribed').map((f) => f['channels'])).toEqual([['blockchain'], ['mining']]);
    await mineUntil(c.sim, () => ws.frames.some((f) => f['event_type'] === 'new_block') && ws.frames.some((f) => f['event_type'] === 'block_found'));
    const block = ws.frames.find((f) => f['event_type'] === 'new_block')!;
    expect(shapeProblems(block, { type: 'string', event_type: 'string', channel: 'string', data: 'object', timestamp: 'int' })).toEqual([]);
    expect(block).toMatchObject({ type: 'event', channel: 'blockchain' });
    const found = ws.frames.find((f) => f['event_type'] === 'block_found')!;
    expect(shapeProblems(found['data'], { height: 'int', hash: 'string', reward: 'number', time: 'int', difficulty: 'number', tx_count: 'int' })).toEqual([]);
    const hash = (block['data'] as Json)['hash'] as string;
    expect((await c.rpc<{ hash: string }>('getblock', hash, 1)).hash).toBe(hash);
  });

  it('answers ping with pong and get_status with cluster-wide numbers', async () => {
    const ws = clients[1]!;
    expect(shapeProblems(await ws.request({ type: 'ping' }, (f) => f['type'] === 'pong'), { type: 'string', timestamp: 'int' })).toEqual([]);
    await waitFor(async () => {
      const s = await ws.request({ type: 'get_status' }, (f) => f['type'] === 'status');
      return (s['data'] as Json)['connected_clients'] === 3 && (s['data'] as Json)['edges'] === 2;
    }, { timeoutMs: 5_000 });
    const s = await ws.request({ type: 'get_status' }, (f) => f['type'] === 'status');
    expect(s['data']).toMatchObject({ server_running: true, websocket_enabled: true, connected_clients: 3, edges: 2, subscriptions: [] });
  });

  it('answers get_websocket_status over HTTP with every edge\'s clients', async () => {
    await waitFor(async () => ((await rpc(1, { jsonrpc: '2.0', method: 'get_websocket_status', params: [], id: 2 })).json['result'] as Json)['connected_clients'] === 3, { timeoutMs: 5_000 });
    const { status, json } = await rpc(1, { jsonrpc: '2.0', method: 'get_websocket_status', params: [], id: 2 });
    expect(status).toBe(200);
    expect(json).toMatchObject({ jsonrpc: '2.0', error: null, id: 2 });
    expect(shapeProblems(json['result'], {
      websocket_enabled: 'boolean', websocket_host: 'string', websocket_port: 'int', connected_clients: 'int', server_running: 'boolean',
    }, false)).toEqual([]);
    expect(json['result']).toMatchObject({ websocket_enabled: true, connected_clients: 3, server_running: true, edges: 2, websocket_port: c.ports[1]!.port });
    // a fourth client on the other edge shows up in the sums
    const extra = await JsonWsClient.connect(c.ws(0, '/zion'));
    clients.push(extra);
    await waitFor(async () => ((await rpc(1, { jsonrpc: '2.0', method: 'get_websocket_status', params: [], id: 3 })).json['result'] as Json)['connected_clients'] === 4, { timeoutMs: 5_000 });
  });

  it('answers subscribe_events with where to connect', async () => {
    const { json } = await rpc(0, { jsonrpc: '2.0', method: 'subscribe_events', params: [['blockchain', 'mining']], id: 1 });
    expect(json).toEqual({
      jsonrpc: '2.0', error: null, id: 1,
      result: { status: 'subscribed', channels: ['blockchain', 'mining'], websocket_url: `ws://127.0.0.1:${c.ports[0]!.port}/zion`, message: 'Use WebSocket connection for real-time updates' },
    });
    expect((await rpc(0, { jsonrpc: '2.0', method: 'subscribe_events', params: [['weather']], id: 5 })).json).toMatchObject({ result: null, error: { code: -32602 }, id: 5 });
    expect((await rpc(0, { jsonrpc: '2.0', method: 'explode', params: [], id: 6 })).json).toMatchObject({ error: { code: -32601 }, id: 6 });
  });

  it('refuses broadcast_event without admin credentials', async () => {
    const call = { jsonrpc: '2.0', method: 'broadcast_event', params: ['custom_event', { message: 'nope' }], id: 3 };
    expect(await rpc(0, call)).toMatchObject({ status: 401, json: { error: { code: -32001 }, id: 3 } });
    expect(await rpc(0, call, USER_KEY)).toMatchObject({ status: 403, json: { error: { code: -32003 }, id: 3 } });
    expect(await rpc(0, call, 'not-a-key')).toMatchObject({ status: 401 });
    expect(await rpc(0, call, hs256({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 600, roles: ['viewer'] }))).toMatchObject({ status: 403 });
  });

  it('broadcast_event by an admin (API key or JWT claim) reaches every ZION client on every edge', async () => {
    const marks = clients.map((ws) => ws.frames.length);
    const { status, json } = await rpc(1, { jsonrpc: '2.0', method: 'broadcast_event', params: ['custom_event', { message: 'Hello World' }], id: 3 }, ADMIN_KEY);
    expect(status).toBe(200);
    expect(json).toMatchObject({ result: { status: 'broadcast', event_type: 'custom_event' }, error: null, id: 3 });
    for (const [i, ws] of clients.entries()) {
      const e = await ws.next((f) => f['type'] === 'event' && f['event_type'] === 'custom_event', 5_000, marks[i]);
      expect(e).toEqual({ type: 'event', event_type: 'custom_event', data: { message: 'Hello World' }, timestamp: e['timestamp'] });
      expect(Number.isInteger(e['timestamp'])).toBe(true);
    }
    const token = hs256({ sub: 'ops', exp: Math.floor(Date.now() / 1000) + 600, roles: ['admin'] });
    expect((await rpc(0, { jsonrpc: '2.0', method: 'broadcast_event', params: ['maintenance', { at: 'noon' }], id: 4 }, token)).status).toBe(200);
    for (const ws of clients) await ws.next((f) => f['event_type'] === 'maintenance', 5_000);
  });

  it('answers bad WebSocket requests with error frames and keeps the connection', async () => {
    const ws = clients[2]!;
    expect(await ws.request({ type: 'fly' }, (f) => f['type'] === 'error')).toMatchObject({ type: 'error', message: 'Unknown message type: fly' });
    expect(await ws.request({ type: 'subscribe', channels: ['weather'] }, (f) => f['type'] === 'error')).toMatchObject({ message: 'Unknown channel: weather' });
    expect(await ws.request('nope', (f) => f['type'] === 'error')).toMatchObject({ message: 'Invalid JSON' });
    const un = await ws.request({ type: 'unsubscribe', channels: ['blockchain'] }, (f) => f['type'] === 'error');
    expect(un['code']).toBe(1002);
    expect(ws.closed).toBeUndefined();
  });
});
