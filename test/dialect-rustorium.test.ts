// Rustorium's WebSocket API against a running cluster (node-sim → ingestor → Redis → edge): `/ws?token=`, heartbeats,
// subscribe/unsubscribe by subscription id, new_block / tx_confirmed / state_update in the documented shapes, the
// error shape, close codes 4000 and 4001, and the documented limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@chainfan/testkit';
import { type Cluster, mineUntil, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient, shapeProblems } from './helpers/json-ws-client.js';

const KEYS = ['key-alpha', 'key-beta', 'key-gamma', 'key-delta'] as const;
const HEX0X = /^0x[0-9a-f]{64}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const EVENT = { type: 'string', id: 'string', data: 'object', error: 'null' };

describe('Rustorium dialect (/ws?token=), end to end', () => {
  let c: Cluster;
  const open: JsonWsClient[] = [];
  const connect = async (path: string): Promise<JsonWsClient> => {
    const ws = await JsonWsClient.connect(c.ws(0, path));
    open.push(ws);
    return ws;
  };
  /** A connection the edge admitted (its first heartbeat came), for tests about what happens after admission. */
  const admitted = async (path: string): Promise<JsonWsClient> => {
    const ws = await connect(path);
    await ws.next((f) => f['type'] === 'heartbeat', 5_000);
    return ws;
  };
  let sub = 0;
  const subscribe = (ws: JsonWsClient, data: Json): Promise<Json> => {
    const id = `sub${++sub}`;
    return ws.request({ type: 'subscribe', id, data }, (f) => f['id'] === id);
  };

  beforeAll(async () => {
    c = await startCluster({
      edges: [{
        CHAINFAN_EDGE_API_KEYS: KEYS.join(','),
        // anonymous access stays open for other dialects: Rustorium requires a token by itself
        CHAINFAN_EDGE_RUSTORIUM_HEARTBEAT_MS: '300',
        CHAINFAN_EDGE_MAX_CONFIRMATIONS: '100',
      }],
    });
  });

  afterAll(async () => {
    for (const ws of open) ws.close();
    await c?.close();
  });

  it('closes with 4000 "Invalid token" without a valid API key', async () => {
    for (const path of ['/ws', '/ws?token=wrong-key', '/rustorium?token=']) {
      const ws = await connect(path);
      expect(await ws.waitForClose(), path).toEqual({ code: 4000, reason: 'Invalid token' });
    }
  });

  it('sends a heartbeat on schedule', async () => {
    const ws = await connect(`/ws?token=${KEYS[0]}`);
    const hb = await ws.next((f) => f['type'] === 'heartbeat', 3_000);
    expect(shapeProblems(hb, { type: 'string', data: 'object' })).toEqual([]);
    expect(shapeProblems(hb['data'], { timestamp: 'int' })).toEqual([]);
    await ws.next(() => ws.ofType('heartbeat').length >= 2, 3_000);
  });

  it('subscribes to blocks (filter confirmations 1) and sends new_block in the documented shape', async () => {
    const ws = await connect(`/ws?token=${KEYS[0]}`);
    const ack = await subscribe(ws, { channel: 'blocks', filter: { confirmations: 1 } });
    expect(ack).toEqual({ type: 'subscribe_success', id: `sub${sub}`, data: { subscription_id: 'blocks#1' }, error: null });
    await mineUntil(c.sim, () => ws.ofType('new_block').length > 0);
    const b = ws.ofType('new_block')[0]!;
    expect(shapeProblems(b, EVENT)).toEqual([]);
    const d = b['data'] as Json;
    expect(shapeProblems(d, { number: 'int', hash: 'string', parent_hash: 'string', timestamp: 'string', transactions: 'array' })).toEqual([]);
    expect(d['hash']).toMatch(HEX0X);
    expect(d['parent_hash']).toMatch(HEX0X);
    expect(d['timestamp']).toMatch(ISO);
    for (const t of d['transactions'] as string[]) expect(t).toMatch(HEX0X);
    const node = await c.rpc<{ height: number; tx: string[] }>('getblock', (d['hash'] as string).slice(2), 1);
    expect(d['number']).toBe(node.height);
    expect(d['transactions']).toEqual(node.tx.map((t) => `0x${t}`));
  });

  it('sends tx_confirmed at exactly the subscribed confirmations, and new_block once a block is that deep', async () => {
    const ws = await connect(`/ws?token=${KEYS[1]}`);
    expect(await subscribe(ws, { channel: 'transactions', filter: { confirmations: 2 } })).toMatchObject({ data: { subscription_id: 'transactions:c2#1' } });
    expect(await subscribe(ws, { channel: 'blocks', filter: { confirmations: 3 } })).toMatchObject({ data: { subscription_id: 'blocks:c3#2' } });
    const tx = await c.sim.createTx();
    const mined = await c.sim.mineBlock();
    expect(mined.txs.map((t) => t.txid)).toContain(tx.txid);
    await c.sim.mineBlock();
    const confirmed = await ws.next((f) => f['type'] === 'tx_confirmed' && (f['data'] as Json)['tx_hash'] === `0x${tx.txid}`);
    expect(shapeProblems(confirmed, EVENT)).toEqual([]);
    expect(shapeProblems(confirmed['data'], { tx_hash: 'string', block_number: 'int', timestamp: 'string', confirmations: 'int' })).toEqual([]);
    expect(confirmed['data']).toMatchObject({ confirmations: 2, block_number: (await c.rpc<{ height: number }>('getblockheader', mined.header.hash)).height });
    expect(ws.ofType('tx_confirmed').every((f) => (f['data'] as Json)['confirmations'] === 2)).toBe(true);
    await c.sim.mineBlock();
    const deep = await ws.next((f) => f['type'] === 'new_block' && (f['data'] as Json)['hash'] === `0x${mined.header.hash}`);
    expect(shapeProblems(deep['data'], { number: 'int', hash: 'string', parent_hash: 'string', timestamp: 'string', transactions: 'array' })).toEqual([]);
  });

  it('sends state_update for asset outputs once they are mined', async () => {
    const ws = await admitted(`/ws?token=${KEYS[1]}`);
    expect(await subscribe(ws, { channel: 'state' })).toMatchObject({ type: 'subscribe_success', data: { subscription_id: 'state#1' } });
    const issued = await c.sim.issueAsset();
    const block = await c.sim.mineBlock();
    const u = await ws.next((f) => f['type'] === 'state_update' && (f['id'] as string).startsWith(`state-${issued.txid}-`), 15_000);
    expect(shapeProblems(u, EVENT)).toEqual([]);
    const d = u['data'] as Json;
    expect(shapeProblems(d, { key: 'string', value: 'string', block_number: 'int', timestamp: 'string' })).toEqual([]);
    expect(d['key']).toMatch(/^0x[0-9a-f]+$/);
    const value = JSON.parse(Buffer.from(d['value'] as string, 'base64').toString('utf8')) as Json;
    expect(value).toMatchObject({ txid: issued.txid });
    expect(Buffer.from((d['key'] as string).slice(2), 'hex').toString('utf8')).toBe(value['asset']);
    expect(d['block_number']).toBe((await c.rpc<{ height: number }>('getblockheader', block.header.hash)).height);
  });

  it('unsubscribes by subscription id, and answers errors in the documented shape', async () => {
    const ws = await connect(`/ws?token=${KEYS[2]}`);
    const id = (await subscribe(ws, { channel: 'blocks' }))['data'] as Json;
    const un = await ws.request({ type: 'unsubscribe', id: 'u1', data: { subscription_id: id['subscription_id'] } }, (f) => f['id'] === 'u1');
    expect(un).toEqual({ type: 'unsubscribe_success', id: 'u1', data: {}, error: null });
    const again = await ws.request({ type: 'unsubscribe', id: 'u2', data: { subscription_id: id['subscription_id'] } }, (f) => f['id'] === 'u2');
    expect(again).toMatchObject({ type: 'error', id: 'u2', data: null, error: { code: 4003 } });
    expect(shapeProblems(again['error'], { code: 'int', message: 'string' })).toEqual([]);
    expect(await ws.request({ type: 'unsubscribe', id: 'u3', data: { subscription_id: 'abc123' } }, (f) => f['id'] === 'u3')).toMatchObject({ error: { code: 4003 } });
    expect(await ws.request('{"type":', (f) => f['type'] === 'error')).toEqual({ type: 'error', id: null, data: null, error: { code: 4002, message: 'Invalid message format' } });
    expect(await ws.request({ type: 'subscribe', id: 'e1', data: { channel: 'weather' } }, (f) => f['id'] === 'e1')).toMatchObject({ type: 'error', error: { code: 4003 } });
    expect(await ws.request({ type: 'subscribe', id: 'e2', data: { channel: 'blocks', filter: { confirmations: -1 } } }, (f) => f['id'] === 'e2')).toMatchObject({ error: { code: 4003 } });
    expect(await ws.request({ type: 'publish', id: 'e3', data: {} }, (f) => f['id'] === 'e3')).toMatchObject({ error: { code: 4002 } });
    expect(ws.closed).toBeUndefined();
  });

  it('allows 100 subscriptions per connection and refuses the 101st with 4003', async () => {
    const ws = await admitted(`/ws?token=${KEYS[2]}`);
    const from = ws.frames.length;
    const names: Json[] = [{ channel: 'state' }];
    for (let k = 1; k <= 100; k++) names.push({ channel: 'transactions', filter: { confirmations: k } });
    names.forEach((data, i) => ws.send({ type: 'subscribe', id: `n${i}`, data }));
    await ws.next(() => ws.frames.slice(from).filter((f) => typeof f['id'] === 'string' && (f['id'] as string).startsWith('n')).length === 101, 10_000);
    const answers = ws.frames.slice(from).filter((f) => (f['id'] as string | undefined)?.startsWith('n'));
    expect(answers.filter((f) => f['type'] === 'subscribe_success')).toHaveLength(100);
    expect(answers.at(-1)).toMatchObject({ type: 'error', id: 'n100', error: { code: 4003 } });
  });

  it('rate-limits at 1000 messages per minute: error 4001, then a close with 4001', async () => {
    const ws = await connect(`/ws?token=${KEYS[3]}`);
    // the bucket refills at 1000/60 per second while these go out, so a few more than 1000 may pass
    for (let i = 0; i < 1_100; i++) ws.send({ type: 'ping', id: i });
    const limited = await ws.next((f) => f['type'] === 'error' && (f['error'] as Json)['code'] === 4001, 10_000);
    expect(limited).toMatchObject({ type: 'error', data: null });
    expect(limited['id']).toEqual(expect.any(Number)); // the refused request's own id
    await ws.next(() => ws.ofType('pong').length + ws.ofType('error').length === 1_100, 10_000);
    expect(ws.ofType('pong').length).toBeGreaterThanOrEqual(1_000);
    expect(ws.ofType('pong').length).toBeLessThan(1_020);
    for (let i = 0; i < 1_100 && ws.closed === undefined; i++) ws.send({ type: 'ping' });
    expect(await ws.waitForClose()).toEqual({ code: 4001, reason: 'Rate limited' });
  });

  it('admits 10 connections per API key over the cluster and closes the 11th with 4001', async () => {
    const key = 'key-delta';
    const mine: JsonWsClient[] = [];
    // the rate-limit test's connection (same key) is closed; its lease is released in the background, so a connection
    // opened meanwhile may still be refused: count only those that stay open
    await waitFor(async () => {
      const ws = await connect(`/ws?token=${key}`);
      await ws.next((f) => f['type'] === 'heartbeat', 3_000).catch(() => undefined);
      if (ws.closed !== undefined) return false;
      mine.push(ws);
      return mine.length === 10;
    }, { timeoutMs: 20_000, intervalMs: 1 });
    const eleventh = await connect(`/ws?token=${key}`);
    expect(await eleventh.waitForClose()).toEqual({ code: 4001, reason: 'Rate limited' });
    mine[0]!.close();
    await mine[0]!.waitForClose();
    // the freed slot is usable again
    await waitFor(async () => {
      const ws = await connect(`/ws?token=${key}`);
      await ws.next((f) => f['type'] === 'heartbeat', 2_000).catch(() => undefined);
      return ws.closed === undefined;
    }, { timeoutMs: 10_000 });
  });
});
