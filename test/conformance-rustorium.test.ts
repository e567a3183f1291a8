// Rustorium conformance: what its WebSocket API reference shows, message by message and field by field, checked
// against a running cluster (node-sim → ingestor → Redis → edge with API keys): the heartbeat, the server message
// envelope, subscribe_success / unsubscribe_success with subscription ids that identify subscriptions, new_block /
// tx_confirmed / state_update, the error response with the request's id, and the documented error codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DocumentedFields, expectDocumented } from './helpers/conformance.js';
import { type Cluster, mineUntil, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient } from './helpers/json-ws-client.js';

const KEYS = ['conf-key-1', 'conf-key-2', 'conf-key-3'] as const;
/** "Server to Client": every message carries these */
const SERVER_MESSAGE: DocumentedFields = { type: 'string', id: 'string', data: 'object' };
const NEW_BLOCK: DocumentedFields = { 'data.number': 'int', 'data.hash': 'string', 'data.parent_hash': 'string', 'data.timestamp': 'string', 'data.transactions': 'array', 'data.transactions.0': 'string' };
const TX_CONFIRMED: DocumentedFields = { 'data.tx_hash': 'string', 'data.block_number': 'int', 'data.timestamp': 'string', 'data.confirmations': 'int' };
const STATE_UPDATE: DocumentedFields = { 'data.key': 'string', 'data.value': 'string', 'data.block_number': 'int', 'data.timestamp': 'string' };
const ERROR_RESPONSE: DocumentedFields = { type: 'string', id: 'string', data: 'null', error: 'object', 'error.code': 'int', 'error.message': 'string' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('Rustorium conformance: every documented message and field', () => {
  let c: Cluster;
  const open: JsonWsClient[] = [];
  const connect = async (key: string): Promise<JsonWsClient> => {
    const ws = await JsonWsClient.connect(c.ws(0, `/ws?token=${key}`));
    open.push(ws);
    return ws;
  };
  let n = 0;
  const subscribe = (ws: JsonWsClient, data: Json): Promise<Json> => {
    const id = `sub${++n}`;
    return ws.request({ type: 'subscribe', id, data }, (f) => f['id'] === id);
  };

  beforeAll(async () => {
    c = await startCluster({ edges: [{ CHAINFAN_EDGE_API_KEYS: KEYS.join(','), CHAINFAN_EDGE_RUSTORIUM_HEARTBEAT_MS: '300' }] });
  });

  afterAll(async () => {
    for (const ws of open) ws.close();
    await c?.close();
  });

  it('sends the documented heartbeat', async () => {
    const ws = await connect(KEYS[0]);
    expectDocumented(await ws.next((f) => f['type'] === 'heartbeat', 5_000), { type: 'string', data: 'object', 'data.timestamp': 'int' }, 'heartbeat');
  });

  it('answers subscribe with subscribe_success echoing the request id, and a subscription_id', async () => {
    const ws = await connect(KEYS[0]);
    const ack = await ws.request({ type: 'subscribe', id: 'sub1', data: { channel: 'blocks', filter: { confirmations: 1 } } }, (f) => f['id'] === 'sub1');
    expectDocumented(ack, { ...SERVER_MESSAGE, 'data.subscription_id': 'string' }, 'subscribe_success');
    expect(ack['type']).toBe('subscribe_success');
    expect(ack['error']).toBeNull();
  });

  it('gives two subscriptions to one channel two ids; unsubscribing one keeps the other delivering', async () => {
    const ws = await connect(KEYS[1]);
    const a = ((await subscribe(ws, { channel: 'blocks' }))['data'] as Json)['subscription_id'];
    const b = ((await subscribe(ws, { channel: 'blocks' }))['data'] as Json)['subscription_id'];
    expect(a).not.toBe(b);
    const un = await ws.request({ type: 'unsubscribe', id: 'sub1', data: { subscription_id: a } }, (f) => f['id'] === 'sub1');
    expectDocumented(un, SERVER_MESSAGE, 'unsubscribe_success');
    expect(un).toEqual({ type: 'unsubscribe_success', id: 'sub1', data: {}, error: null });
    // the other subscription still reads blocks
    const from = ws.frames.length;
    await mineUntil(c.sim, () => ws.frames.slice(from).some((f) => f['type'] === 'new_block'));
    // the ended one is gone, the kept one can still be ended
    expect(await ws.request({ type: 'unsubscribe', id: 'u2', data: { subscription_id: a } }, (f) => f['id'] === 'u2')).toMatchObject({ type: 'error', error: { code: 4003 } });
    expect(await ws.request({ type: 'unsubscribe', id: 'u3', data: { subscription_id: b } }, (f) => f['id'] === 'u3')).toMatchObject({ type: 'unsubscribe_success' });
  });

  it('counts every subscription toward the documented 100 per connection, the same channel included', async () => {
    const ws = await connect(KEYS[0]);
    const from = ws.frames.length;
    for (let i = 0; i <= 100; i++) ws.send({ type: 'subscribe', id: `m${i}`, data: { channel: 'blocks' } });
    await ws.next(() => ws.frames.slice(from).filter((f) => typeof f['id'] === 'string' && (f['id'] as string).startsWith('m')).length === 101, 10_000);
    const answers = ws.frames.slice(from).filter((f) => (f['id'] as string | undefined)?.startsWith('m'));
    const ids = answers.filter((f) => f['type'] === 'subscribe_success').map((f) => (f['data'] as Json)['subscription_id']);
    expect(new Set(ids).size).toBe(100);
    expect(answers.at(-1)).toMatchObject({ type: 'error', id: 'm100', error: { code: 4003 } });
  });

  it('sends new_block, tx_confirmed and state_update with every documented field', async () => {
    const ws = await connect(KEYS[1]);
    await subscribe(ws, { channel: 'blocks', filter: { confirmations: 1 } });
    await subscribe(ws, { channel: 'transactions', filter: { confirmations: 1 } });
    await subscribe(ws, { channel: 'state' });
    const tx = await c.sim.createTx();
    const issued = await c.sim.issueAsset();
    await c.sim.mineBlock();
    const block = await ws.next((f) => f['type'] === 'new_block' && ((f['data'] as Json)['transactions'] as string[]).includes(`0x${tx.txid}`));
    expectDocumented(block, { ...SERVER_MESSAGE, ...NEW_BLOCK }, 'new_block');
    expect((block['data'] as Json)['timestamp']).toMatch(ISO);
    const confirmed = await ws.next((f) => f['type'] === 'tx_confirmed' && (f['data'] as Json)['tx_hash'] === `0x${tx.txid}`);
    expectDocumented(confirmed, { ...SERVER_MESSAGE, ...TX_CONFIRMED }, 'tx_confirmed');
    expect((confirmed['data'] as Json)['confirmations']).toBe(1);
    const state = await ws.next((f) => f['type'] === 'state_update' && (f['id'] as string).includes(issued.txid), 15_000);
    expectDocumented(state, { ...SERVER_MESSAGE, ...STATE_UPDATE }, 'state_update');
    expect(Buffer.from((state['data'] as Json)['value'] as string, 'base64').toString('base64')).toBe((state['data'] as Json)['value']);
  });

  it('answers a malformed message (4002) and a subscription problem (4003) with the documented error response', async () => {
    const ws = await connect(KEYS[2]);
    const bad = await ws.request({ type: 'publish', id: 'sub1', data: {} }, (f) => f['id'] === 'sub1');
    expectDocumented(bad, ERROR_RESPONSE, 'error 4002');
    expect(bad).toMatchObject({ type: 'error', error: { code: 4002 } });
    const sub = await ws.request({ type: 'subscribe', id: 'sub2', data: { channel: 'weather' } }, (f) => f['id'] === 'sub2');
    expectDocumented(sub, ERROR_RESPONSE, 'error 4003');
    expect(sub).toMatchObject({ type: 'error', error: { code: 4003 } });
  });

  it('answers past 1000 messages a minute with error 4001 carrying the request\'s id', async () => {
    const ws = await connect(KEYS[2]);
    for (let i = 0; i < 1_100; i++) ws.send({ type: 'ping', id: `p${i}` });
    const limited = await ws.next((f) => f['type'] === 'error' && (f['error'] as Json)['code'] === 4001, 10_000);
    expectDocumented(limited, ERROR_RESPONSE, 'error 4001');
    expect(limited['id']).toMatch(/^p\d+$/);
  });

  it('closes a connection with an invalid token with 4000', async () => {
    const ws = await JsonWsClient.connect(c.ws(0, '/ws?token=not-a-key'));
    open.push(ws);
    expect(await ws.waitForClose()).toEqual({ code: 4000, reason: 'Invalid token' });
  });
});
