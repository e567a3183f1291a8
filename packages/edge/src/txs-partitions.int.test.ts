// An edge over a transaction stream in hash partitions: `transactions` reads every partition and acks a position per
// partition, a reconnect with those positions replays exactly what was missed on each, `tx:<txid>` reads one
// partition, and a position on a stream layout the deployment no longer runs ends in resync notices, never silence.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { txsChannels, txsPartitionOf } from '@chainfan/protocol';
import { type Harness, startHarness } from './testing/edge-harness.js';
import type { WsTestClient } from './testing/ws-test-client.js';

const N = 3;
const open: (Harness | MemoryBus)[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function harness(): Promise<Harness> {
  const bus = new MemoryBus({ epoch: 'e1' });
  open.push(bus);
  const h = await startHarness(bus, { txsPartitions: N });
  open.push(h);
  return h;
}

const txid = (i: number): string => (i * 2_654_435_761).toString(16).padStart(64, '0').slice(-64);
const tx = (i: number) => {
  const id = txid(i);
  return { channel: txsPartitionOf(id, N), kind: 'tx', keys: { tx: id }, body: JSON.stringify({ txid: id, n: i }) };
};
const numbers = (c: WsTestClient): number[] => c.events().map((f) => (f.json?.data as { n: number }).n);
type Positions = Record<string, { epoch: string; seq: number }>;

describe('transactions over partitions', () => {
  it('acks a position per partition, delivers from all of them, and resumes each from its own position', async () => {
    const h = await harness();
    const first = await h.connect();
    const ack = await first.command({ action: 'subscribe', topic: 'transactions', since: 'now' });
    expect(Object.keys((ack.json?.data as { positions: Positions }).positions)).toEqual(txsChannels(N));
    for (let i = 1; i <= 30; i++) await h.publish(tx(i));
    await first.waitForEvents(30);
    expect(numbers(first).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(first.events().map((f) => f.json?.channel))).toEqual(new Set(txsChannels(N)));
    // where the client stands: the last frame of each partition
    const since: Positions = {};
    for (const f of first.events()) since[f.json!.channel as string] = { epoch: f.json!.epoch as string, seq: f.json!.seq as number };
    first.terminate();

    for (let i = 31; i <= 130; i++) await h.publish(tx(i));
    const again = await h.connect();
    const ack2 = await again.command({ action: 'subscribe', topic: 'transactions', since }, 5_000);
    expect((ack2.json?.data as { status: string }).status).toBe('success');
    expect(numbers(again).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 31 + i)); // each once
    expect(again.resyncs()).toEqual([]);
    for (const ch of txsChannels(N)) {
      const seqs = again.events().filter((f) => f.json?.channel === ch).map((f) => f.json?.seq as number);
      expect(seqs).toEqual(seqs.map((_, k) => since[ch]!.seq + 1 + k)); // gapless per partition
    }
  });

  it('tx:<txid> reads only the partition of its txid', async () => {
    const h = await harness();
    const c = await h.connect();
    const id = txid(7);
    const ack = await c.command({ action: 'subscribe', topic: `tx:${id}`, since: 'now' });
    expect(Object.keys((ack.json?.data as { positions: Positions }).positions)).toEqual([txsPartitionOf(id, N), 'status']);
    for (let i = 1; i <= 12; i++) await h.publish(tx(i));
    await c.waitForEvents(1);
    expect(numbers(c)).toEqual([7]);
  });

  it('a position on the single txs stream resumes as resync notices on every partition, then the partitions from their start', async () => {
    const h = await harness();
    for (let i = 1; i <= 6; i++) await h.publish(tx(i));
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'transactions', since: { epoch: 'e1', seq: 3 } }, 5_000);
    expect(c.resyncs().map((r) => [r['channel'], r['reason']]).sort()).toEqual(txsChannels(N).map((ch) => [ch, 'epoch_changed']));
    expect(numbers(c).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
