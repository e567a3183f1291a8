// evrmore-rpc conformance: what its WebSocket documentation (the reference page and the examples page) shows, message
// by message and field by field, checked against a running cluster (node-sim publishing the sequence topic as under
// `chainfan dev` → ingestor → Redis → edge): the block, transaction, asset, mempool, sequence and error messages, the
// subscribe/unsubscribe and command messages, and the server's pings.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVRMORE_RPC_PING_INTERVAL_MS, evrmoreRpcDialect } from '@chainfan/protocol';
import { waitFor } from '@chainfan/testkit';
import { type DocumentedFields, expectDocumented } from './helpers/conformance.js';
import { type Cluster, mineUntil, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient } from './helpers/json-ws-client.js';

const MESSAGE: DocumentedFields = { type: 'string', data: 'object' };

/** The reference page's Block message, then the examples page's additions. */
const BLOCK: DocumentedFields = {
  'data.hash': 'string', 'data.height': 'int', 'data.time': 'int', 'data.tx_count': 'int', 'data.size': 'int',
  'data.tx': 'array', 'data.weight': 'int', 'data.version': 'int', 'data.merkleroot': 'string', 'data.nonce': 'int', 'data.bits': 'string',
  'data.difficulty': 'number', 'data.chainwork': 'string', 'data.previousblockhash': 'string', 'data.nextblockhash': 'string|null',
};

/** The reference page's Transaction message, then the examples page's (block fields null while unmined). */
const TRANSACTION: DocumentedFields = {
  'data.txid': 'string', 'data.size': 'int', 'data.vsize': 'int', 'data.version': 'int', 'data.locktime': 'int', 'data.vin_count': 'int', 'data.vout_count': 'int',
  'data.hash': 'string', 'data.vin': 'array', 'data.vout': 'array', 'data.hex': 'string',
  'data.blockhash': 'string|null', 'data.confirmations': 'int|null', 'data.time': 'int|null', 'data.blocktime': 'int|null',
};

const ASSET: DocumentedFields = { 'data.txid': 'string', 'data.asset': 'string', 'data.amount': 'number', 'data.type': 'string' };
const MEMPOOL: DocumentedFields = { 'data.size': 'int', 'data.bytes': 'int', 'data.usage': 'int' };
const SEQUENCE: DocumentedFields = { 'data.sequence': 'int', 'data.hash': 'string' };
const ERROR: DocumentedFields = { 'data.code': 'int', 'data.message': 'string' };

const dataOf = (f: Json): Json => f['data'] as Json;

describe('evrmore-rpc conformance: every documented message and field', () => {
  let c: Cluster;
  let ws: JsonWsClient;

  beforeAll(async () => {
    c = await startCluster({ edges: [{ CHAINFAN_EDGE_EVRMORE_PING_MS: '300' }], edgesWithNodeRpc: [0], simSequence: true });
    ws = await JsonWsClient.connect(c.ws(0, '/'));
  });

  afterAll(async () => {
    ws?.close();
    await c?.close();
  });

  it('acknowledges subscribes to every documented topic (blocks, transactions, assets, sequence, mempool)', async () => {
    for (const topic of ['blocks', 'transactions', 'assets', 'sequence', 'mempool']) {
      const ack = await ws.request({ action: 'subscribe', topic }, (f) => f['type'] === 'subscription' && dataOf(f)['topic'] === topic);
      expectDocumented(ack, MESSAGE, `ack ${topic}`);
      expect(dataOf(ack), topic).toMatchObject({ status: 'success', topic, action: 'subscribe' });
    }
  });

  it('sends block, transaction, asset, sequence and mempool messages with every documented field', async () => {
    const issued = await c.sim.issueAsset();
    const tx = await c.sim.createTx();
    await mineUntil(c.sim, () => ws.ofType('block').length > 0 && ws.ofType('asset').some((f) => dataOf(f)['txid'] === issued.txid));
    const block = ws.ofType('block').at(-1)!;
    expectDocumented(block, { ...MESSAGE, ...BLOCK }, 'block');
    expect(dataOf(block)['tx_count']).toBe((dataOf(block)['tx'] as unknown[]).length);

    const t = await ws.next((f) => f['type'] === 'transaction' && dataOf(f)['txid'] === tx.txid);
    expectDocumented(t, { ...MESSAGE, ...TRANSACTION }, 'transaction');
    expect(dataOf(t)['vin_count']).toBe((dataOf(t)['vin'] as unknown[]).length);
    expect(dataOf(t)['vout_count']).toBe((dataOf(t)['vout'] as unknown[]).length);

    const asset = ws.ofType('asset').find((f) => dataOf(f)['txid'] === issued.txid)!;
    expectDocumented(asset, { ...MESSAGE, ...ASSET }, 'asset');

    const seq = await ws.next((f) => f['type'] === 'sequence');
    expectDocumented(seq, { ...MESSAGE, ...SEQUENCE }, 'sequence');

    const mempool = await ws.next((f) => f['type'] === 'mempool');
    expectDocumented(mempool, { ...MESSAGE, ...MEMPOOL }, 'mempool');
  });

  it('answers mistakes with the documented error message', async () => {
    const e = await ws.request({ action: 'subscribe', topic: 'weather' }, (f) => f['type'] === 'error');
    expectDocumented(e, { ...MESSAGE, ...ERROR }, 'error');
    expect(dataOf(e)['code']).toBe(1001);
  });

  it('answers the documented command message with a result message', async () => {
    const r = await ws.request({ command: 'getblockchaininfo', params: [] }, (f) => f['type'] === 'result');
    expectDocumented(r, { ...MESSAGE, 'data.command': 'string', 'data.params': 'array', 'data.result': 'object' }, 'result');
    expect(dataOf(r)['result']).toMatchObject({ blocks: await c.rpc<number>('getblockcount') });
  });

  it('acknowledges the documented unsubscribe and stops that topic', async () => {
    const ack = await ws.request({ action: 'unsubscribe', topic: 'transactions' }, (f) => f['type'] === 'subscription' && dataOf(f)['action'] === 'unsubscribe');
    expect(dataOf(ack)).toEqual({ status: 'success', topic: 'transactions', action: 'unsubscribe' });
  });

  it('pings every client at its configured interval; the documented 20 s is the default', async () => {
    expect(EVRMORE_RPC_PING_INTERVAL_MS).toBe(20_000);
    expect(evrmoreRpcDialect.pingIntervalMs).toBe(20_000);
    const raw = new WebSocket(c.ws(0, '/'));
    let pings = 0;
    raw.on('ping', () => pings++);
    await new Promise<void>((resolve, reject) => {
      raw.once('open', () => resolve());
      raw.once('error', reject);
    });
    try {
      await waitFor(() => pings >= 2, { timeoutMs: 5_000, message: 'two server pings' });
    } finally {
      raw.close();
    }
  });
});
