// Recovery from a position: replay from history / the recent ring, then live, with no gap and no
// duplicate across the switch; "not recovered" answers when history cannot cover the position.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { waitFor } from '@chainfan/testkit';
import { type Harness, metricValue, startHarness } from './testing/edge-harness.js';
import type { WsTestClient } from './testing/ws-test-client.js';

const open: (Harness | MemoryBus)[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function harness(busOpts: ConstructorParameters<typeof MemoryBus>[0] = {}, cfg: Parameters<typeof startHarness>[1] = {}): Promise<Harness> {
  const bus = new MemoryBus(busOpts);
  open.push(bus);
  const h = await startHarness(bus, cfg);
  open.push(h);
  return h;
}

const ADDR_X = 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1';
const heights = (c: WsTestClient, type = 'block'): number[] => c.events(type).map((f) => (f.json?.data as { h: number }).h);
const block = (h: number) => ({ channel: 'blocks' as const, kind: 'block', body: `{"h":${h}}` });

describe('subscribe with since', () => {
  it('acks a "now" subscribe with the position the live stream starts after', async () => {
    const h = await harness({ epoch: 'e1' });
    await h.publish(block(1));
    await h.publish(block(2));
    const c = await h.connect();
    const ack = await c.command({ action: 'subscribe', topic: 'blocks', since: 'now' });
    expect(ack.json).toEqual({ type: 'subscription', data: { status: 'success', topic: 'blocks', action: 'subscribe', positions: { blocks: { epoch: 'e1', seq: 2 } } } });
    await h.publish(block(3));
    await c.waitForEvents(1);
    expect(c.events().map((f) => [f.json?.epoch, f.json?.seq])).toEqual([['e1', 3]]);
  });

  it('reports channels nothing was published on as {"epoch":"","seq":0}, and replays them from the start later', async () => {
    const h = await harness({ epoch: 'e1' });
    const c = await h.connect();
    const ack = await c.command({ action: 'subscribe', topic: 'blocks', since: 'now' });
    expect((ack.json?.data as { positions: unknown }).positions).toEqual({ blocks: { epoch: '', seq: 0 } });
    c.terminate();
    await h.publish(block(1));
    await h.publish(block(2));
    const again = await h.connect();
    await again.command({ action: 'subscribe', topic: 'blocks', since: { epoch: '', seq: 0 } });
    await again.waitForEvents(2);
    expect(heights(again)).toEqual([1, 2]);
  });

  it('disconnect, 500 published, reconnect with the position → exactly those 500 in order, then live', async () => {
    const h = await harness({ epoch: 'e1' }, { recentMessagesPerChannel: 64, historyPageSize: 100 }); // most of it from history pages
    const first = await h.connect();
    await first.command({ action: 'subscribe', topic: 'blocks', since: 'now' });
    for (let i = 1; i <= 10; i++) await h.publish(block(i));
    await first.waitForEvents(10);
    const last = first.events().at(-1)!.json!;
    first.terminate();
    for (let i = 11; i <= 510; i++) await h.publish(block(i));

    const again = await h.connect();
    const ack = await again.command({ action: 'subscribe', topic: 'blocks', since: { epoch: last.epoch, seq: last.seq } }, 5_000);
    expect((ack.json?.data as { positions: unknown }).positions).toEqual({ blocks: { epoch: 'e1', seq: 510 } });
    expect(heights(again)).toEqual(Array.from({ length: 500 }, (_, i) => 11 + i)); // all replayed frames came before the ack
    for (let i = 511; i <= 520; i++) await h.publish(block(i));
    await again.waitForEvents(510);
    expect(heights(again)).toEqual(Array.from({ length: 510 }, (_, i) => 11 + i));
    expect(again.events().map((f) => f.json?.seq)).toEqual(Array.from({ length: 510 }, (_, i) => 11 + i));
    expect(await metricValue(h.metrics.recoveries, { outcome: 'recovered' })).toBe(1);
    expect(await metricValue(h.metrics.replayedMessages, { channel: 'blocks' })).toBe(500);
  });

  it('switches from replay to live without gap or duplicate while messages keep coming', async () => {
    const h = await harness({ epoch: 'e1' }, { recentMessagesPerChannel: 64, historyPageSize: 7 });
    const anchor = await h.connect();
    await anchor.command({ action: 'subscribe', topic: 'blocks' }); // keeps the channel subscribed and the feed live
    for (let i = 1; i <= 200; i++) await h.publish(block(i));
    const c = await h.connect();
    let n = 200;
    let publishing = true;
    const pump = (async () => {
      while (publishing) {
        await h.publish(block(++n));
        await new Promise((r) => setImmediate(r)); // MemoryBus resolves at once: let sockets and timers run between publishes
      }
    })();
    await c.command({ action: 'subscribe', topic: 'blocks', since: { epoch: 'e1', seq: 0 } }, 10_000);
    await waitFor(() => c.events().length > 300);
    publishing = false;
    await pump;
    await c.waitForEvents(n, undefined, 10_000);
    expect(heights(c)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('replays only what the topic routes to (address:X filters the txs channel like live delivery does)', async () => {
    const h = await harness({ epoch: 'e1' });
    const c = await h.connect();
    const ack = await c.command({ action: 'subscribe', topic: `address:${ADDR_X}`, since: 'now' });
    const at = (ack.json?.data as { positions: { txs: { seq: number } } }).positions.txs;
    c.terminate();
    for (let i = 0; i < 20; i++) {
      await h.publish({ channel: 'txs', kind: 'tx', keys: { a: i % 5 === 0 ? [ADDR_X] : ['EbJmxqTsQ1BnmYtJVJYfUKLYXmcPZtoXjm'] }, body: `{"txid":"t${i}"}` });
    }
    const again = await h.connect();
    await again.command({ action: 'subscribe', topic: `address:${ADDR_X}`, since: { epoch: 'e1', seq: at.seq } });
    await again.waitForEvents(4, 'transaction');
    expect(again.events().map((f) => (f.json?.data as { txid: string }).txid)).toEqual(['t0', 't5', 't10', 't15']);
  });

  it('recovers a topic spanning several channels (all) from one position per channel', async () => {
    const h = await harness({ epoch: 'e1' });
    const c = await h.connect();
    const ack = await c.command({ action: 'subscribe', topic: 'all', since: 'now' });
    expect((ack.json?.data as { positions: Record<string, unknown> }).positions).toEqual({
      blocks: { epoch: '', seq: 0 }, txs: { epoch: '', seq: 0 }, sequence: { epoch: '', seq: 0 },
    });
    await h.publish(block(1));
    await h.publish({ channel: 'txs', kind: 'tx', body: '{"txid":"a"}' });
    await c.waitForEvents(2);
    c.terminate();
    await h.publish(block(2));
    await h.publish({ channel: 'txs', kind: 'tx', body: '{"txid":"b"}' });
    await h.publish({ channel: 'sequence', kind: 'sequence', body: '{"sequence":1,"hash":"00"}' });
    const again = await h.connect();
    await again.command({ action: 'subscribe', topic: 'all', since: { blocks: { epoch: 'e1', seq: 1 }, txs: { epoch: 'e1', seq: 1 }, sequence: { epoch: '', seq: 0 } } });
    await again.waitForEvents(3);
    expect(again.events().map((f) => `${String(f.json?.channel)}:${String(f.json?.seq)}`).sort()).toEqual(['blocks:2', 'sequence:1', 'txs:2']);
  });

  it('answers "not recovered" (resync, history_trimmed) when history no longer covers the position, then continues', async () => {
    const h = await harness({ epoch: 'e1', historyMaxLen: 100 }, { recentMessagesPerChannel: 64 });
    for (let i = 1; i <= 300; i++) await h.publish(block(i));
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks', since: { epoch: 'e1', seq: 50 } });
    expect(c.resyncs()).toEqual([{ topic: 'blocks', channel: 'blocks', reason: 'history_trimmed', subscribed: true, epoch: 'e1', seq: 200 }]);
    // the notice comes first, then what history still has, then the ack: in wire order
    expect(c.frames[0]!.json?.type).toBe('resync');
    expect(heights(c)).toEqual(Array.from({ length: 100 }, (_, i) => 201 + i));
    expect(await metricValue(h.metrics.recoveries, { outcome: 'not_recovered' })).toBe(1);
    expect(await metricValue(h.metrics.resyncs, { reason: 'history_trimmed' })).toBe(1);
  });

  it('answers "not recovered" (epoch_changed) for a position of another epoch, and replays the current epoch', async () => {
    const h = await harness({ epoch: 'e2' });
    await h.publish(block(1));
    await h.publish(block(2));
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks', since: { epoch: 'e1', seq: 77 } });
    expect(c.resyncs()).toEqual([{ topic: 'blocks', channel: 'blocks', reason: 'epoch_changed', subscribed: true, epoch: 'e2', seq: 0 }]);
    expect(heights(c)).toEqual([1, 2]);
  });

  it('answers epoch_changed for the start (seq 0) of an epoch that is gone, counted as not recovered', async () => {
    const h = await harness({ epoch: 'e2' });
    await h.publish(block(1));
    await h.publish(block(2));
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks', since: { epoch: 'e1', seq: 0 } });
    expect(c.resyncs()).toEqual([{ topic: 'blocks', channel: 'blocks', reason: 'epoch_changed', subscribed: true, epoch: 'e2', seq: 0 }]);
    expect(heights(c)).toEqual([1, 2]);
    expect(await metricValue(h.metrics.recoveries, { outcome: 'not_recovered' })).toBe(1);
    expect(await metricValue(h.metrics.resyncs, { reason: 'epoch_changed' })).toBe(1);
    // the start of the current epoch is a plain replay
    const d = await h.connect();
    await d.command({ action: 'subscribe', topic: 'blocks', since: { epoch: 'e2', seq: 0 } });
    await d.waitForEvents(2);
    expect([d.resyncs(), heights(d)]).toEqual([[], [1, 2]]);
    expect(await metricValue(h.metrics.recoveries, { outcome: 'recovered' })).toBe(1);
  });

  it('answers epoch_changed for the start of an epoch when Redis has nothing at all any more', async () => {
    const h = await harness({ epoch: 'e2' });
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks', since: { epoch: 'e1', seq: 0 } });
    expect(c.resyncs()).toEqual([{ topic: 'blocks', channel: 'blocks', reason: 'epoch_changed', subscribed: true, epoch: '', seq: 0 }]);
    expect(await metricValue(h.metrics.recoveries, { outcome: 'not_recovered' })).toBe(1);
  });

  it('waits for a position this edge has not reached yet, then joins exactly there', async () => {
    const h = await harness({ epoch: 'e1' });
    const anchor = await h.connect();
    await anchor.command({ action: 'subscribe', topic: 'blocks' });
    await h.publish(block(1));
    await anchor.waitForEvents(1);
    const c = await h.connect();
    c.send({ action: 'subscribe', topic: 'blocks', since: { epoch: 'e1', seq: 3 } }); // as if another edge was ahead
    await h.publish(block(2));
    await h.publish(block(3));
    await h.publish(block(4));
    await c.waitForEvents(1);
    await anchor.waitForEvents(4);
    expect(heights(c)).toEqual([4]);
  });

  it('refuses a since it cannot use with 1010 and keeps the connection', async () => {
    const h = await harness();
    const c = await h.connect();
    expect((await c.command({ action: 'subscribe', topic: 'all', since: { epoch: 'e', seq: 1 } })).json).toMatchObject({ type: 'error', data: { code: 1010 } });
    expect((await c.command({ action: 'subscribe', topic: 'blocks', since: 'now' })).json).toMatchObject({ type: 'subscription' });
  });
});
