// evrmore-rpc's WebSocket protocol against a running cluster (node-sim → ingestor → Redis → edges): what its client
// sends (plural and singular topics, as the docs and the code disagree), the simulator's acks and errors, block /
// transaction / asset / mempool messages in the documented shapes, and the docs' command messages answered from the
// node through the edge's allow-list (an edge without node RPC refuses them with 1011).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, mineUntil, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient, shapeProblems } from './helpers/json-ws-client.js';

/** reference §5: the client model's required fields (pydantic v2 lax types) */
const BLOCK = { hash: 'string', height: 'int', time: 'int', size: 'int', weight: 'int', version: 'int', merkleroot: 'string', nonce: 'int', bits: 'string', difficulty: 'number', chainwork: 'string', tx: 'array' };
const TRANSACTION = { txid: 'string', hash: 'string', size: 'int', vsize: 'int', version: 'int', locktime: 'int', vin: 'array', vout: 'array' };
const POSITION = { channel: 'string', epoch: 'string', seq: 'int' };
const ack = (topic: string, action = 'subscribe'): Json => ({ type: 'subscription', data: { status: 'success', topic, action } });
const errorCode = (f: Json): unknown => (f['data'] as Json | undefined)?.['code'];

describe('evrmore-rpc dialect (/), end to end', () => {
  let c: Cluster;
  let ws: JsonWsClient;

  beforeAll(async () => {
    c = await startCluster({ edges: [{ CHAINFAN_EDGE_RPC_CACHE_MS: '500' }, {}], edgesWithNodeRpc: [0] });
    ws = await JsonWsClient.connect(c.ws(0, '/'));
  });

  afterAll(async () => {
    ws?.close();
    await c?.close();
  });

  it('acknowledges subscribes in the simulator\'s shape, for the docs\' plural and the code\'s singular topics', async () => {
    for (const topic of ['blocks', 'transaction', 'assets', 'mempool']) {
      expect(await ws.request({ action: 'subscribe', topic }, (f) => f['type'] === 'subscription')).toEqual(ack(topic));
    }
    // pydantic's compact form and json.dumps' spaced form are the same message
    expect(await ws.request('{"action": "subscribe", "topic": "all"}', (f) => f['type'] === 'subscription' && (f['data'] as Json)['topic'] === 'all')).toEqual(ack('all'));
  });

  it('delivers block, transaction, asset and mempool messages in the documented shapes', async () => {
    const issued = await c.sim.issueAsset();
    const tx = await c.sim.createTx();
    await mineUntil(c.sim, () => ws.ofType('block').length > 0 && ws.ofType('asset').some((f) => (f['data'] as Json)['txid'] === issued.txid));
    await ws.next((f) => f['type'] === 'transaction' && (f['data'] as Json)['txid'] === tx.txid);
    const block = ws.ofType('block')[0]!;
    expect(shapeProblems(block, { type: 'string', data: 'object', ...POSITION })).toEqual([]);
    expect(shapeProblems(block['data'], BLOCK, false)).toEqual([]);
    const transaction = ws.ofType('transaction').find((f) => (f['data'] as Json)['txid'] === tx.txid)!;
    expect(shapeProblems(transaction['data'], TRANSACTION, false)).toEqual([]);
    const asset = ws.ofType('asset').find((f) => (f['data'] as Json)['txid'] === issued.txid)!;
    // the docs' {txid, asset, amount, type}; vout, address and from are additions
    expect(shapeProblems(asset['data'], { txid: 'string', asset: 'string', amount: 'number', type: 'string', vout: 'int', address: 'string|null', from: 'string|null' })).toEqual([]);
    const mempool = await ws.next((f) => f['type'] === 'mempool');
    expect(shapeProblems(mempool['data'], { size: 'int', bytes: 'int', usage: 'int' })).toEqual([]);
  });

  it('answers the documented command messages from the node', async () => {
    const r = await ws.request({ command: 'getblockchaininfo', params: [] }, (f) => f['type'] === 'result');
    expect(shapeProblems(r, { type: 'string', data: 'object' })).toEqual([]);
    const data = r['data'] as { command: string; params: unknown[]; result: Json };
    expect(data.command).toBe('getblockchaininfo');
    expect(data.params).toEqual([]);
    const node = await c.rpc<Json>('getblockchaininfo');
    expect(data.result['chain']).toBe(node['chain']);
    expect(data.result['blocks']).toBe(node['blocks']);
    const hash = await ws.request({ command: 'getblockhash', params: [1] }, (f) => f['type'] === 'result' && (f['data'] as Json)['command'] === 'getblockhash');
    expect((hash['data'] as Json)['result']).toBe(await c.rpc<string>('getblockhash', 1));
  });

  it('serves many clients asking the same thing at once, and refuses what is not read-only or fails at the node', async () => {
    const many = await Promise.all(Array.from({ length: 8 }, () => JsonWsClient.connect(c.ws(0, '/'))));
    const answers = await Promise.all(many.flatMap((m) => [0, 1, 2].map(() => m.request({ command: 'getblockcount' }, (f) => f['type'] === 'result'))));
    expect(new Set(answers.map((a) => (a['data'] as Json)['result'])).size).toBe(1);
    for (const m of many) m.close();
    expect(await ws.request({ command: 'stop', params: [] }, (f) => f['type'] === 'error')).toMatchObject({ type: 'error', data: { code: 1012, message: 'Command not allowed: stop' } });
    const failed = await ws.request({ command: 'getblockhash', params: [99_999] }, (f) => f['type'] === 'error');
    expect(errorCode(failed)).toBe(1013);
    expect((failed['data'] as Json)['message']).toMatch(/^Command failed: .*out of range/);
    expect(errorCode(await ws.request({ command: 'get block' }, (f) => f['type'] === 'error'))).toBe(1005);
  });

  it('refuses commands with 1011 on an edge without node RPC', async () => {
    const other = await JsonWsClient.connect(c.ws(1, '/'));
    expect(await other.request({ command: 'getblockchaininfo', params: [] }, (f) => f['type'] === 'error'))
      .toEqual({ type: 'error', data: { code: 1011, message: 'Commands unavailable: this server has no node RPC configured' } });
    other.close();
  });

  it('unsubscribes, after which no more of that topic arrives', async () => {
    expect(await ws.request({ action: 'unsubscribe', topic: 'blocks' }, (f) => f['type'] === 'subscription' && (f['data'] as Json)['action'] === 'unsubscribe'))
      .toEqual(ack('blocks', 'unsubscribe'));
    expect(await ws.request({ action: 'unsubscribe', topic: 'all' }, (f) => f['type'] === 'subscription' && (f['data'] as Json)['topic'] === 'all')).toEqual(ack('all', 'unsubscribe'));
    const witness = await JsonWsClient.connect(c.ws(0, '/'));
    await witness.request({ action: 'subscribe', topic: 'block' }, (f) => f['type'] === 'subscription');
    const at = ws.frames.length;
    const mined = await c.sim.mineBlock();
    // the witness shares the edge and the uWS publish: once it has the block, `ws` would have had it too
    await witness.next((f) => f['type'] === 'block' && (f['data'] as Json)['hash'] === mined.header.hash, 15_000);
    expect(ws.frames.slice(at).filter((f) => f['type'] === 'block')).toEqual([]);
    witness.close();
  });

  it('answers each mistake with the simulator\'s error codes and keeps the connection', async () => {
    const cases: [string | object, number][] = [
      ['{not json', 1004],
      [{ action: 'explode', topic: 'blocks' }, 1003],
      [{ action: 'subscribe', topic: 'weather' }, 1001],
      [{ action: 'unsubscribe', topic: 'sequence' }, 1002],
      [{ hello: 'world' }, 1005],
      [{ action: 'subscribe', topic: `address:${'x'.repeat(200)}` }, 1008],
      [{ action: 'subscribe', topic: 'blocks', since: { epoch: 'e', seq: -1 } }, 1010],
    ];
    for (const [frame, code] of cases) {
      const e = await ws.request(frame, (f) => f['type'] === 'error');
      expect(shapeProblems(e, { type: 'string', data: 'object' })).toEqual([]);
      expect(shapeProblems(e['data'], { code: 'int', message: 'string' })).toEqual([]);
      expect(errorCode(e), JSON.stringify(frame)).toBe(code);
    }
    expect(ws.closed).toBeUndefined();
  });
});
