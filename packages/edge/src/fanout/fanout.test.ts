// Fanout alone, with a real SubscriptionRegistry and the transport's publish recorded: each envelope is encoded once
// per dialect with local readers and published once per matching topic; derived frames and loss notices likewise.
import { describe, expect, it } from 'vitest';
import {
  ManualClock, chainfanDialect, evrmoreRpcDialect, parseTopic, type BusChannel, type Dialect, type Envelope, type RoutingKeys,
} from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { SubscriptionRegistry } from '../subscription-registry.js';
import { metricValue } from '../testing/metric-value.js';
import { silentLog } from '../testing/silent-log.js';
import { Fanout } from './fanout.js';
import { SentCounters } from './sent-counters.js';

const TXID = 'ab'.repeat(32);
const ADDR = 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1';

function env(channel: BusChannel, kind: string, body: string, keys: RoutingKeys = {}, seq = 1): Envelope {
  return { v: 1, channel, epoch: 'e1', seq, ts: 1_000, kind, keys, body, wire: '' };
}

/** A dialect whose event encodings the test counts. */
function counting(d: Dialect): { dialect: Dialect; encoded: () => number } {
  let n = 0;
  const dialect: Dialect = { ...d, encodeEvent: (e) => (n++, d.encodeEvent(e)) };
  return { dialect, encoded: () => n };
}

function setup(dialects: Dialect[], maxEventFrameBytes = 64 * 1024) {
  const clock = new ManualClock(1_500);
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  const registry = new SubscriptionRegistry();
  const published: { topic: string; frame: string | Buffer }[] = [];
  const delivered: Envelope[] = [];
  const fanout = new Fanout({
    dialects, registry, maxEventFrameBytes, metrics, clock, log: silentLog, sent: new SentCounters(metrics),
    publish: (topic, frame) => published.push({ topic, frame }),
    delivered: (e) => delivered.push(e),
  });
  const read = (dialect: Dialect, raw: string, readers = 1): void => {
    const t = parseTopic(raw);
    if (!t.ok) throw new Error(raw);
    for (let i = 0; i < readers; i++) registry.add(dialect.name, t.value.key, t.value);
  };
  return { metrics, registry, fanout, published, delivered, read };
}

describe('Fanout', () => {
  it('encodes a transaction once per dialect and hands the same bytes to every matching topic', async () => {
    const a = counting(evrmoreRpcDialect);
    const b = counting(chainfanDialect);
    const h = setup([a.dialect, b.dialect]);
    h.read(a.dialect, 'transactions', 3);
    h.read(a.dialect, `address:${ADDR}`);
    h.read(a.dialect, `tx:${TXID}`);
    h.read(b.dialect, 'transactions');
    const frames = h.fanout.deliver(env('txs', 'tx', `{"txid":"${TXID}"}`, { a: [ADDR], tx: TXID }));
    expect([a.encoded(), b.encoded()]).toEqual([1, 1]);
    expect(h.published.map((p) => p.topic).sort()).toEqual([
      `chainfan|transactions`, `evrmore-rpc|address:${ADDR}`, 'evrmore-rpc|transactions', `evrmore-rpc|tx:${TXID}`,
    ]);
    const evrmoreFrames = h.published.filter((p) => p.topic.startsWith('evrmore-rpc|')).map((p) => p.frame);
    expect(new Set(evrmoreFrames).size).toBe(1); // one Buffer, published three times
    expect(frames.get('evrmore-rpc')).toBe(evrmoreFrames[0]);
    expect(await metricValue(h.metrics.messagesSent, { dialect: 'evrmore-rpc', topic_kind: 'transactions' })).toBe(3); // one per reader
    expect(h.registry.get('evrmore-rpc', 'transactions')!.messages).toBe(1);
    expect(h.delivered).toHaveLength(1);
  });

  it('does no work for a dialect without readers of the envelope\'s topics, and still passes the envelope on', () => {
    const a = counting(evrmoreRpcDialect);
    const h = setup([a.dialect]);
    h.read(a.dialect, 'transactions');
    h.fanout.deliver(env('blocks', 'block', '{"height":1}'));
    expect(a.encoded()).toBe(0);
    expect(h.published).toHaveLength(0);
    expect(h.delivered.map((e) => e.kind)).toEqual(['block']); // derived streams and the network view still see it
  });

  it('drops an event frame over maxEventFrameBytes, counted once per reader, and publishes nothing', async () => {
    const h = setup([evrmoreRpcDialect], 256);
    h.read(evrmoreRpcDialect, 'blocks', 2);
    h.fanout.deliver(env('blocks', 'block', JSON.stringify({ pad: 'x'.repeat(300) })));
    expect(h.published).toHaveLength(0);
    expect(await metricValue(h.metrics.messagesDropped, { reason: 'frame_too_large' })).toBe(2);
  });

  it('publishes a derived stream\'s frame to its variant\'s readers only', async () => {
    const h = setup([evrmoreRpcDialect]);
    h.registry.add('evrmore-rpc', 'derived:new_block:6');
    h.fanout.publishDerived(evrmoreRpcDialect, 'derived:new_block:6', 'new_block', '{"x":1}');
    h.fanout.publishDerived(evrmoreRpcDialect, 'derived:new_block:1', 'new_block', '{"x":2}');
    expect(h.published).toEqual([{ topic: 'evrmore-rpc|derived:new_block:6', frame: '{"x":1}' }]);
    expect(await metricValue(h.metrics.messagesSent, { topic_kind: 'new_block' })).toBe(1);
  });

  it('tells every live topic reading a channel that lost messages, once per topic, counted per reader', async () => {
    const h = setup([evrmoreRpcDialect]);
    h.read(evrmoreRpcDialect, 'blocks', 2);
    h.read(evrmoreRpcDialect, 'all');
    h.read(evrmoreRpcDialect, 'transactions'); // reads txs, not blocks
    h.fanout.lost('blocks', 'history_trimmed', { epoch: 'e1', seq: 9 });
    expect(h.published.map((p) => p.topic).sort()).toEqual(['evrmore-rpc|all', 'evrmore-rpc|blocks']);
    const notice = JSON.parse(String(h.published.find((p) => p.topic === 'evrmore-rpc|blocks')!.frame)) as unknown;
    expect(notice).toEqual({ type: 'resync', data: { topic: 'blocks', channel: 'blocks', reason: 'history_trimmed', subscribed: true, epoch: 'e1', seq: 9 } });
    expect(await metricValue(h.metrics.resyncs, { reason: 'history_trimmed' })).toBe(3);
  });
});
