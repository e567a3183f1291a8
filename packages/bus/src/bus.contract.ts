// The Bus contract as a shared suite: every implementation runs it (STYLE rule 14). Not exported from index.
import { type BusChannel, ChainfanError, composeWire, encodeEnvelopeTail, type Envelope, type OutgoingEnvelope } from '@chainfan/protocol';
import { waitFor } from '@chainfan/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus } from './bus.js';

export interface BusContractOptions {
  readonly historyMaxLen: number;
}

/** `make` returns a connected bus ('up') over fresh, empty state. */
export type MakeBus = (opts: BusContractOptions) => Promise<Bus>;

const DEFAULT_MAX_LEN = 1_000;

export function outgoing(channel: BusChannel, i: number): OutgoingEnvelope {
  return { channel, kind: 'test', ts: 1_700_000_000_000 + i, keys: { a: [`addr-${i}`], tx: `tx-${i}` }, body: JSON.stringify({ i, s: 'é\n"' }) };
}

export function collect(bus: Bus): Envelope[] {
  const got: Envelope[] = [];
  bus.onMessage((m) => got.push(m));
  return got;
}

export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (err: unknown) => err,
  );
}

export function expectCode(err: unknown, code: ChainfanError['code']): void {
  expect(err).toBeInstanceOf(ChainfanError);
  expect((err as ChainfanError).code).toBe(code);
}

export function describeBusContract(name: string, make: MakeBus): void {
  describe(`${name} satisfies Bus`, () => {
    const open: Bus[] = [];
    const fresh = async (opts: Partial<BusContractOptions> = {}): Promise<Bus> => {
      const bus = await make({ historyMaxLen: opts.historyMaxLen ?? DEFAULT_MAX_LEN });
      open.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('is up once made', async () => {
      expect((await fresh()).state).toBe('up');
    });

    it('delivers in publish order within one channel, with the exact envelope', async () => {
      const bus = await fresh();
      const got = collect(bus);
      await bus.subscribe('blocks');
      const receipts = [];
      for (let i = 0; i < 50; i++) receipts.push(await bus.publish(outgoing('blocks', i)));
      await waitFor(() => got.length === 50, { timeoutMs: 5_000 });
      expect(got.map((m) => JSON.parse(m.body).i)).toEqual([...Array(50).keys()]);
      const m = got[7]!;
      const r = receipts[7]!;
      expect(m).toEqual({
        v: 1, channel: 'blocks', epoch: r.epoch, seq: r.seq, ts: 1_700_000_000_007, kind: 'test',
        keys: { a: ['addr-7'], tx: 'tx-7' }, body: outgoing('blocks', 7).body,
        wire: composeWire(r.epoch, r.seq, encodeEnvelopeTail(outgoing('blocks', 7))),
      });
    });

    it('assigns seq 1, 2, 3 … per channel in call order, even for concurrent publishes', async () => {
      const bus = await fresh();
      const got = collect(bus);
      await bus.subscribe('txs');
      const receipts = await Promise.all([...Array(30).keys()].map((i) => bus.publish(outgoing('txs', i))));
      expect(receipts.map((r) => r.seq)).toEqual([...Array(30).keys()].map((i) => i + 1));
      const other = await bus.publish(outgoing('assets', 0));
      expect(other.seq).toBe(1);
      await waitFor(() => got.length === 30);
      expect(got.map((m) => m.seq)).toEqual(receipts.map((r) => r.seq));
      expect(got.map((m) => JSON.parse(m.body).i)).toEqual([...Array(30).keys()]);
    });

    it('keeps the epoch stable within a channel', async () => {
      const bus = await fresh();
      const receipts = [];
      for (let i = 0; i < 5; i++) receipts.push(await bus.publish(outgoing('blocks', i)));
      const epoch = receipts[0]!.epoch;
      expect(epoch).not.toBe('');
      expect(receipts.every((r) => r.epoch === epoch)).toBe(true);
      expect((await bus.position('blocks'))?.epoch).toBe(epoch);
      expect((await bus.history('blocks', 0, 10)).epoch).toBe(epoch);
    });

    it('reports position: undefined before the first publish, then the last (epoch, seq)', async () => {
      const bus = await fresh();
      expect(await bus.position('mempool')).toBeUndefined();
      await bus.publish(outgoing('mempool', 0));
      const last = await bus.publish(outgoing('mempool', 1));
      expect(await bus.position('mempool')).toEqual(last);
      expect(await bus.position('blocks')).toBeUndefined();
    });

    it('returns exactly the requested history range, with the live wire strings', async () => {
      const bus = await fresh();
      const got = collect(bus);
      await bus.subscribe('blocks');
      for (let i = 0; i < 20; i++) await bus.publish(outgoing('blocks', i));
      await waitFor(() => got.length === 20);

      const mid = await bus.history('blocks', 5, 10);
      expect(mid.covered).toBe(true);
      expect(mid.messages.map((m) => m.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
      expect(mid.messages.map((m) => m.wire)).toEqual(got.slice(5, 15).map((m) => m.wire));
      expect(mid.messages).toEqual(got.slice(5, 15));

      const tail = await bus.history('blocks', 15, 100);
      expect(tail.messages.map((m) => m.seq)).toEqual([16, 17, 18, 19, 20]);
      expect(tail.covered).toBe(true);

      const all = await bus.history('blocks', 0, 100);
      expect(all.messages).toHaveLength(20);
      expect(all.covered).toBe(true);

      const none = await bus.history('blocks', 20, 10);
      expect(none).toEqual({ epoch: got[0]!.epoch, lastSeq: 20, messages: [], covered: true });
    });

    it('ends an epoch only while it is current; the next publish starts a new one at seq 1', async () => {
      const bus = await fresh();
      const a = await bus.publish(outgoing('blocks', 0));
      await bus.publish(outgoing('blocks', 1));
      expect(await bus.endEpoch('blocks', 'not-the-epoch')).toBe(false);
      expect(await bus.position('blocks')).toEqual({ epoch: a.epoch, seq: 2 });
      expect(await bus.endEpoch('blocks', a.epoch)).toBe(true);
      expect(await bus.position('blocks')).toBeUndefined();
      const b = await bus.publish(outgoing('blocks', 2));
      expect(b.seq).toBe(1);
      expect(b.epoch).not.toBe(a.epoch);
      expect(await bus.endEpoch('blocks', a.epoch)).toBe(false);
      expect((await bus.history('blocks', 0, 10)).messages.map((m) => [m.epoch, m.seq])).toEqual([[b.epoch, 1]]);
    });

    it('answers history of an unused channel with no epoch, nothing, and covered', async () => {
      const bus = await fresh();
      expect(await bus.history('chain', 0, 10)).toEqual({ epoch: undefined, messages: [], covered: true });
    });

    it('reports covered=false once history is trimmed past sinceSeq + 1', async () => {
      const bus = await fresh({ historyMaxLen: 5 });
      for (let i = 0; i < 12; i++) await bus.publish(outgoing('txs', i));

      const fromStart = await bus.history('txs', 0, 100);
      expect(fromStart.covered).toBe(false);
      expect(fromStart.messages.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);

      expect((await bus.history('txs', 6, 100)).covered).toBe(false);

      const edge = await bus.history('txs', 7, 100);
      expect(edge.covered).toBe(true);
      expect(edge.messages.map((m) => m.seq)).toEqual([8, 9, 10, 11, 12]);

      const limited = await bus.history('txs', 7, 2);
      expect(limited.messages.map((m) => m.seq)).toEqual([8, 9]);
      expect(limited.covered).toBe(true);
    });

    it('rejects invalid history arguments as programmer errors', async () => {
      const bus = await fresh();
      await expect(bus.history('blocks', 0, 0)).rejects.toThrow(RangeError);
      await expect(bus.history('blocks', 1.5, 10)).rejects.toThrow(RangeError);
    });

    it('does not deliver messages of channels it is not subscribed to', async () => {
      const bus = await fresh();
      const got = collect(bus);
      await bus.subscribe('blocks');
      await bus.publish(outgoing('txs', 0));
      await bus.publish(outgoing('ctl', 1));
      await bus.publish(outgoing('blocks', 2)); // marker: everything before it has been dispatched
      await waitFor(() => got.length >= 1);
      expect(got.map((m) => m.channel)).toEqual(['blocks']);
    });

    it('stops delivery after unsubscribe', async () => {
      const bus = await fresh();
      const got = collect(bus);
      await bus.subscribe('blocks');
      await bus.subscribe('ctl');
      await bus.publish(outgoing('blocks', 0));
      await waitFor(() => got.length === 1);
      await bus.unsubscribe('blocks');
      await bus.publish(outgoing('blocks', 1));
      await bus.publish(outgoing('ctl', 2)); // marker
      await waitFor(() => got.some((m) => m.channel === 'ctl'));
      expect(got.map((m) => `${m.channel}:${m.seq}`)).toEqual(['blocks:1', 'ctl:1']);
    });

    it('closes idempotently, reports closed, and rejects later calls with CHAINFAN_BUS_CLOSED', async () => {
      const bus = await fresh();
      const states: string[] = [];
      bus.onStateChange((s) => states.push(s));
      const first = bus.close();
      expect(bus.close()).toBe(first);
      await first;
      expect(bus.state).toBe('closed');
      expect(states).toEqual(['closed']);
      expectCode(await rejectionOf(bus.publish(outgoing('blocks', 0))), 'CHAINFAN_BUS_CLOSED');
      expectCode(await rejectionOf(bus.subscribe('blocks')), 'CHAINFAN_BUS_CLOSED');
      expectCode(await rejectionOf(bus.history('blocks', 0, 10)), 'CHAINFAN_BUS_CLOSED');
      expectCode(await rejectionOf(bus.position('blocks')), 'CHAINFAN_BUS_CLOSED');
      await expect(bus.unsubscribe('blocks')).resolves.toBeUndefined();
    });
  });
}
