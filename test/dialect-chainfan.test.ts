// The native chainfan protocol (/chainfan) against a running cluster (node-sim → ingestor → Redis → edge), with a
// plain WebSocket client: request ids echoed by every answer, the canonical topics (address, asset,
// tx, network, peers), positions on every event, recovery with `since` (replay, then the ack with the positions
// the live stream starts after), and errors carrying the request's id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, mineUntil, startCluster } from './helpers/dialect-cluster.js';
import { type Json, JsonWsClient, shapeProblems } from './helpers/json-ws-client.js';

const POSITION = { channel: 'string', epoch: 'string', seq: 'int' };
const dataOf = (f: Json): Json => f['data'] as Json;

describe('native chainfan dialect (/chainfan), end to end', () => {
  let c: Cluster;
  let ws: JsonWsClient;

  beforeAll(async () => {
    c = await startCluster({ edges: [{}], edgesWithNodeRpc: [0] });
    ws = await JsonWsClient.connect(c.ws(0, '/chainfan'));
  });

  afterAll(async () => {
    ws?.close();
    await c?.close();
  });

  it('echoes request ids in acks, pongs and command results, and answers requests without one as evrmore-rpc does', async () => {
    expect(await ws.request({ action: 'subscribe', topic: 'blocks', id: 1 }, (f) => f['id'] === 1))
      .toEqual({ type: 'subscription', id: 1, data: { status: 'success', topic: 'blocks', action: 'subscribe' } });
    expect(await ws.request({ action: 'subscribe', topic: 'transactions', id: 'tx-sub' }, (f) => f['id'] === 'tx-sub'))
      .toMatchObject({ type: 'subscription', data: { topic: 'transactions', action: 'subscribe' } });
    const pong = await ws.request({ action: 'ping', id: 2 }, (f) => f['type'] === 'pong');
    expect(pong['id']).toBe(2);
    expect(shapeProblems(dataOf(pong), { timestamp: 'int' })).toEqual([]);
    const result = await ws.request({ command: 'getblockcount', params: [], id: 3 }, (f) => f['type'] === 'result');
    expect(result).toEqual({ type: 'result', id: 3, data: { command: 'getblockcount', params: [], result: await c.rpc<number>('getblockcount') } });
    expect(await ws.request({ action: 'subscribe', topic: 'mempool' }, (f) => f['type'] === 'subscription' && dataOf(f)['topic'] === 'mempool'))
      .toEqual({ type: 'subscription', data: { status: 'success', topic: 'mempool', action: 'subscribe' } });
  });

  it('serves the canonical topics: an address, an asset, one transaction, network and peers, each event with its position', async () => {
    const [watched] = c.sim.addresses();
    for (const [topic, id] of [['assets', 9], ['asset:NATIVECONTRACT', 10]] as const) {
      expect(await ws.request({ action: 'subscribe', topic, id }, (f) => f['id'] === id)).toMatchObject({ type: 'subscription', data: { topic } });
    }
    const issued = await c.sim.issueAsset('NATIVECONTRACT');
    const paid = await c.sim.sendTo(watched!, 12_345);
    for (const [topic, id] of [[`address:${watched}`, 11], [`tx:${paid.txid}`, 12], ['network', 13], ['peers', 14]] as const) {
      expect(await ws.request({ action: 'subscribe', topic, id }, (f) => f['id'] === id)).toMatchObject({ type: 'subscription', data: { topic } });
    }
    await mineUntil(c.sim, () => ws.frames.some((f) => f['type'] === 'tx_status' && dataOf(f)['txid'] === paid.txid && dataOf(f)['status'] === 'confirmed'));
    const confirmed = ws.frames.find((f) => f['type'] === 'tx_status' && dataOf(f)['txid'] === paid.txid)!;
    expect(confirmed).toMatchObject({ channel: 'status', data: { status: 'confirmed', confirmations: 1 } });
    const network = await ws.next((f) => f['type'] === 'network');
    expect(shapeProblems(network, { type: 'string', data: 'object', ...POSITION })).toEqual([]);
    expect(network['channel']).toBe('ctl');
    expect(dataOf(network)['height']).toEqual(expect.any(Number));
    const peers = await ws.next((f) => f['type'] === 'peers');
    expect(dataOf(peers)['total']).toBe((await c.rpc<unknown[]>('getpeerinfo')).length);
    // the payment reached the watched address's topic; its status changes reached tx:<txid>
    const txFrames = ws.frames.filter((f) => f['type'] === 'transaction' && dataOf(f)['txid'] === paid.txid);
    expect(txFrames.some((f) => f['channel'] === 'txs')).toBe(true);
    for (const f of txFrames) expect(shapeProblems(f, { type: 'string', data: 'object', ...POSITION })).toEqual([]);
    // the issue reached `assets` and `asset:NATIVECONTRACT`: once per topic, as two subscriptions
    await ws.next(() => ws.frames.filter((f) => f['type'] === 'asset' && dataOf(f)['txid'] === issued.txid && dataOf(f)['asset'] === 'NATIVECONTRACT').length === 2);
  });

  it('recovers from a position: what was missed first, then the ack with the live positions, then live events', async () => {
    const block = ws.ofType('block').at(-1)!;
    const since = { epoch: block['epoch'] as string, seq: block['seq'] as number };
    const late = await JsonWsClient.connect(c.ws(0, '/chainfan'));
    try {
      // at least three more blocks the late client has not seen
      for (let i = 0; i < 3; i++) await c.sim.mineBlock();
      await ws.next(() => ws.ofType('block').filter((f) => (f['seq'] as number) > since.seq).length >= 3); // published
      const ack = await late.request({ action: 'subscribe', topic: 'blocks', since, id: 'resume' }, (f) => f['id'] === 'resume');
      expect(ack).toMatchObject({ type: 'subscription', data: { topic: 'blocks', action: 'subscribe', positions: { blocks: { epoch: since.epoch } } } });
      const livePos = ((dataOf(ack)['positions'] as Json)['blocks'] as Json)['seq'] as number;
      expect(livePos).toBeGreaterThanOrEqual(since.seq + 3);
      // exactly what the live subscriber got in between, in order, before the ack
      await ws.next(() => ws.ofType('block').some((f) => f['seq'] === livePos));
      const missed = ws.ofType('block').filter((f) => (f['seq'] as number) > since.seq && (f['seq'] as number) <= livePos);
      const replayed = late.ofType('block');
      expect(replayed.map((f) => dataOf(f)['hash'])).toEqual(missed.map((f) => dataOf(f)['hash']));
      expect(replayed.map((f) => f['seq'])).toEqual(missed.map((_, i) => since.seq + 1 + i));
      expect(late.frames.indexOf(ack)).toBe(replayed.length); // the replay came before the ack
      await c.sim.mineBlock();
      const live = await late.next((f) => f['type'] === 'block' && (f['seq'] as number) === livePos + 1);
      expect(dataOf(live)['height']).toBe(c.sim.height);
      // a position from another epoch cannot be recovered, and says so
      const notice = await late.request({ action: 'subscribe', topic: 'sequence', since: { epoch: '1', seq: 5 }, id: 'old' }, (f) => f['type'] === 'resync');
      expect(notice).toMatchObject({ type: 'resync', data: { topic: 'sequence', reason: 'epoch_changed', subscribed: true } });
    } finally {
      late.close();
    }
  });

  it('answers each mistake with an error frame carrying the request id, and keeps the connection', async () => {
    const err = (f: Json) => f['type'] === 'error';
    expect(await ws.request({ action: 'subscribe', topic: 'weather', id: 'w' }, err)).toMatchObject({ type: 'error', id: 'w', data: { code: 1001 } });
    expect(await ws.request({ action: 'unsubscribe', topic: 'reorgs', id: 5 }, err)).toMatchObject({ id: 5, data: { code: 1002 } });
    expect(await ws.request({ action: 'fly', topic: 'blocks', id: 6 }, err)).toMatchObject({ id: 6, data: { code: 1003 } });
    expect(await ws.request('{not json', err)).toMatchObject({ type: 'error', data: { code: 1004 } });
    expect(await ws.request({ action: 'subscribe', topic: 'blocks', since: { epoch: 7 }, id: 8 }, (f) => err(f) && f['id'] === 8)).toMatchObject({ data: { code: 1010 } });
    expect(await ws.request({ command: 'stop', id: 9 }, (f) => err(f) && f['id'] === 9)).toMatchObject({ data: { code: 1012 } });
    expect(await ws.request({ action: 'unsubscribe', topic: 'blocks', id: 'bye' }, (f) => f['id'] === 'bye')).toMatchObject({ type: 'subscription', data: { action: 'unsubscribe' } });
    expect(ws.closed).toBeUndefined();
  });
});
