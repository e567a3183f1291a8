import { randomUUID } from 'node:crypto';
import { composeWire, decodeEnvelope, encodeEnvelopeTail } from '@chainfan/protocol';
import { freePort, type RedisHandle, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusState } from './bus.js';
import { collect, describeBusContract, expectCode, outgoing, rejectionOf } from './bus.contract.js';
import { describeCoordinatorContract } from './coordinator.contract.js';
import { PositionFloor } from './position-floor.js';
import { RedisBus, type RedisBusOptions } from './redis-bus.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const open: RedisBus[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

/** Unique per call, so tests sharing one Redis (or reruns against a REDIS_URL) never see each other's keys. */
const uniquePrefix = (tag = 't'): string => `${tag}-${randomUUID().slice(0, 8)}:`;

async function connect(opts: Partial<RedisBusOptions> = {}): Promise<RedisBus> {
  const bus = new RedisBus({ url: redis.url, keyPrefix: uniquePrefix(), maxReconnectDelayMs: 100, ...opts });
  open.push(bus);
  await bus.ready(5_000);
  return bus;
}

describeBusContract('RedisBus', ({ historyMaxLen }) => connect({ historyMaxLen }));
describeCoordinatorContract('RedisBus', () => connect({}));

describe('RedisBus on Redis', () => {
  it('stores the documented key layout, with history IDs <seq>-0', async () => {
    const p = uniquePrefix('lay');
    const bus = await connect({ keyPrefix: p });
    const r = await bus.publish(outgoing('blocks', 0));
    await bus.publish(outgoing('blocks', 1));
    expect(await redisCommand(redis.url, ['GET', `{${p}blocks}:seq`])).toBe('2');
    expect(await redisCommand(redis.url, ['GET', `{${p}blocks}:ep`])).toBe(r.epoch);
    expect(r.epoch).toMatch(/^\d{16,}$/);
    const range = await redisCommand(redis.url, ['XRANGE', `{${p}blocks}:h`, '-', '+']);
    expect(range).toEqual([
      ['1-0', ['m', composeWire(r.epoch, 1, encodeEnvelopeTail(outgoing('blocks', 0)))]],
      ['2-0', ['m', composeWire(r.epoch, 2, encodeEnvelopeTail(outgoing('blocks', 1)))]],
    ]);
  });

  it('starts a new epoch and drops the old history when the seq key is gone', async () => {
    const p = uniquePrefix('ep');
    const bus = await connect({ keyPrefix: p });
    const first = await bus.publish(outgoing('blocks', 0));
    await redisCommand(redis.url, ['DEL', `{${p}blocks}:seq`]);
    const second = await bus.publish(outgoing('blocks', 1));
    expect(second.seq).toBe(1);
    expect(second.epoch).not.toBe(first.epoch);
    const h = await bus.history('blocks', 0, 10);
    expect(h.epoch).toBe(second.epoch);
    expect(h.messages.map((m) => [m.epoch, m.seq])).toEqual([[second.epoch, 1]]);
  });

  it('starts a new epoch when the shard lost writes this publisher saw confirmed (a failover to a lagging replica)', async () => {
    const p = uniquePrefix('lost');
    const bus = await connect({ keyPrefix: p });
    const first = await bus.publish(outgoing('blocks', 0));
    await bus.publish(outgoing('blocks', 1));
    await bus.publish(outgoing('blocks', 2));
    // what a promoted replica that had seen only the first publish holds
    await redisCommand(redis.url, ['SET', `{${p}blocks}:seq`, '1']);
    const next = await bus.publish(outgoing('blocks', 3));
    expect(next.epoch).not.toBe(first.epoch);
    expect(next.seq).toBe(1);
    // another publisher, which never saw seq 3 confirmed, keeps the epoch when nothing is missing
    const other = await connect({ keyPrefix: p });
    expect(await other.publish(outgoing('blocks', 4))).toEqual({ epoch: next.epoch, seq: 2 });
  });

  it('starts a new epoch, newer than the known one, when Redis shows an older epoch or an older seq', async () => {
    const p = uniquePrefix('rw');
    const bus = await connect({ keyPrefix: p });
    let last = await bus.publish(outgoing('blocks', 0));
    for (let i = 1; i < 3; i++) last = await bus.publish(outgoing('blocks', i));
    expect(bus.positionFloor.get('blocks')).toEqual(last);
    // an older epoch altogether (even with a larger seq): a restore from a snapshot taken before the last epoch change
    await redisCommand(redis.url, ['SET', `{${p}blocks}:ep`, String(BigInt(last.epoch) - 1n)]);
    await redisCommand(redis.url, ['SET', `{${p}blocks}:seq`, '99']);
    const again = await bus.publish(outgoing('blocks', 3));
    expect([again.seq, BigInt(again.epoch) > BigInt(last.epoch)]).toEqual([1, true]);
    // an epoch "from the future" (a skewed clock) is accepted; the next new epoch is newer still
    const future = String(BigInt(again.epoch) + 10_000_000_000n);
    await redisCommand(redis.url, ['SET', `{${p}blocks}:ep`, future]);
    await redisCommand(redis.url, ['SET', `{${p}blocks}:seq`, '7']);
    expect(await bus.publish(outgoing('blocks', 4))).toEqual({ epoch: future, seq: 8 });
    await redisCommand(redis.url, ['DEL', `{${p}blocks}:seq`]);
    const next = await bus.publish(outgoing('blocks', 5));
    expect(next.seq).toBe(1);
    expect(BigInt(next.epoch)).toBeGreaterThan(BigInt(future));
  });

  it('a bus seeded with the known positions (what the ingestor keeps on disk) catches a rewind its process never saw', async () => {
    const p = uniquePrefix('rs');
    const first = await connect({ keyPrefix: p });
    let last = await first.publish(outgoing('txs', 0));
    for (let i = 1; i < 4; i++) last = await first.publish(outgoing('txs', i));
    await redisCommand(redis.url, ['SET', `{${p}txs}:seq`, '2']);
    await redisCommand(redis.url, ['XTRIM', `{${p}txs}:h`, 'MAXLEN', '2']);
    const unseeded = await connect({ keyPrefix: p });
    const floor = new PositionFloor();
    floor.note('txs', last);
    const seeded = await connect({ keyPrefix: p, positionFloor: floor });
    const r = await seeded.publish(outgoing('txs', 4));
    expect(r.seq).toBe(1);
    expect(r.epoch).not.toBe(last.epoch);
    expect((await unseeded.publish(outgoing('txs', 5))).epoch).toBe(r.epoch);
  });

  it('fencing tokens keep growing after Redis lost the lease counter', async () => {
    const p = uniquePrefix('tok');
    const bus = await connect({ keyPrefix: p });
    const a = (await bus.acquireLease('a', 10_000))!;
    await bus.releaseLease(a);
    await redisCommand(redis.url, ['DEL', `{${p}lease}:counter`]);
    const b = (await bus.acquireLease('b', 10_000))!;
    await bus.releaseLease(b);
    const other = await connect({ keyPrefix: p });
    await redisCommand(redis.url, ['DEL', `{${p}lease}:counter`]);
    const c = (await other.acquireLease('c', 10_000))!;
    const counters = [a, b, c].map((t) => Number(t.split(':')[0]));
    expect(counters[1]).toBeGreaterThan(counters[0]!);
    expect(counters[2]).toBeGreaterThan(counters[1]!);
  });

  it('counts undecodable pub/sub messages and history entries without throwing', async () => {
    const p = uniquePrefix('bad');
    const bus = await connect({ keyPrefix: p });
    const got = collect(bus);
    await bus.subscribe('blocks');
    await redisCommand(redis.url, ['SPUBLISH', `{${p}blocks}`, 'not an envelope']);
    // a valid envelope of another channel sent to this one is just as wrong
    await redisCommand(redis.url, ['SPUBLISH', `{${p}blocks}`, composeWire('e', 1, encodeEnvelopeTail(outgoing('txs', 0)))]);
    await bus.publish(outgoing('blocks', 0));
    await waitFor(() => got.length === 1);
    expect(bus.stats.decodeErrors).toBe(2);

    await redisCommand(redis.url, ['XADD', `{${p}blocks}:h`, '2-0', 'm', 'garbage']);
    await redisCommand(redis.url, ['SET', `{${p}blocks}:seq`, '2']);
    const h = await bus.history('blocks', 0, 10);
    expect(h.messages.map((m) => m.seq)).toEqual([1]);
    expect(h.covered).toBe(false);
    expect(bus.stats.decodeErrors).toBe(3);
  });

  it('rejects a publish with a stale fencing token and publishes nothing', async () => {
    const p = uniquePrefix('fence');
    const bus = await connect({ keyPrefix: p });
    const got = collect(bus);
    await bus.subscribe('blocks');
    expectCode(await rejectionOf(bus.publish(outgoing('blocks', 0), { fencingToken: '1' })), 'CHAINFAN_PUBLISH_FENCED'); // no lease at all

    await redisCommand(redis.url, ['SET', `{${p}blocks}:fence`, '2']);
    expectCode(await rejectionOf(bus.publish(outgoing('blocks', 1), { fencingToken: '1' })), 'CHAINFAN_PUBLISH_FENCED');
    expect(await bus.position('blocks')).toBeUndefined();
    expect(await redisCommand(redis.url, ['EXISTS', `{${p}blocks}:h`])).toBe(0);

    const ok = await bus.publish(outgoing('blocks', 2), { fencingToken: '2' });
    expect(ok.seq).toBe(1);
    await waitFor(() => got.length === 1);
    expect(JSON.parse(got[0]!.body).i).toBe(2);
  });

  it('coalesces a burst into script calls per channel and keeps call order, per-channel seqs, checkpoints and per-token fencing', async () => {
    const p = uniquePrefix('burst');
    const bus = await connect({ keyPrefix: p });
    const got = collect(bus);
    await Promise.all([bus.subscribe('txs'), bus.subscribe('assets')]);
    await redisCommand(redis.url, ['SET', `{${p}txs}:fence`, 'good']);
    await redisCommand(redis.url, ['SET', `{${p}assets}:fence`, 'good']);
    const calls = async (): Promise<number> => {
      const info = String(await redisCommand(redis.url, ['INFO', 'commandstats']));
      return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0) + Number(/cmdstat_eval:calls=(\d+)/.exec(info)?.[1] ?? 0);
    };
    const before = await calls();
    // 1,200 publishes in one turn: txs and assets interleaved, a stale token in the middle, checkpoints along the way
    const results = Array.from({ length: 1_200 }, (_, i) => {
      const stale = i >= 600 && i < 610;
      const channel = i % 3 === 0 ? 'assets' : 'txs';
      return bus.publish(outgoing(channel, i), { fencingToken: stale ? 'stale' : 'good', ...(channel === 'txs' && i % 100 === 98 ? { checkpoint: `cp-${i}` } : {}) })
        .then((r) => ({ i, channel, r }), (err: unknown) => ({ i, channel, err }));
    });
    const settled = await Promise.all(results);
    const failed = settled.filter((s) => 'err' in s).map((s) => s.i);
    expect(failed).toEqual(Array.from({ length: 10 }, (_, k) => 600 + k));
    for (const s of settled.filter((x) => 'err' in x)) expectCode((s as { err: unknown }).err, 'CHAINFAN_PUBLISH_FENCED');
    // fewer script calls than messages: at least one per token run and per 512 messages, far fewer than 1,200
    expect((await calls()) - before).toBeLessThan(20);
    for (const channel of ['txs', 'assets'] as const) {
      const seqs = settled.filter((s) => s.channel === channel && 'r' in s).map((s) => (s as { r: { seq: number } }).r.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => k + 1));
    }
    await waitFor(() => got.length === 1_190, { timeoutMs: 5_000 });
    for (const channel of ['txs', 'assets'] as const) {
      const delivered = got.filter((m) => m.channel === channel).map((m) => JSON.parse(m.body).i);
      expect(delivered).toEqual(settled.filter((s) => s.channel === channel && 'r' in s).map((s) => s.i));
    }
    expect(await bus.readCheckpoint()).toBe('cp-1198'); // checkpoints ride one channel, as the ingestor's do on blocks
  });

  it('recovers the publish script after SCRIPT FLUSH', async () => {
    const bus = await connect();
    await bus.publish(outgoing('blocks', 0));
    await redisCommand(redis.url, ['SCRIPT', 'FLUSH']);
    expect((await bus.publish(outgoing('blocks', 1))).seq).toBe(2);
  });

  it('ready() times out while nothing listens, and the bus stays connecting until closed', async () => {
    const bus = new RedisBus({ url: `redis://127.0.0.1:${await freePort()}`, maxReconnectDelayMs: 50 });
    open.push(bus);
    expectCode(await rejectionOf(bus.ready(200)), 'CHAINFAN_TIMEOUT');
    expect(bus.state).toBe('connecting');
    expectCode(await rejectionOf(bus.publish(outgoing('blocks', 0))), 'CHAINFAN_BUS_DOWN');
    await bus.close();
    expect(bus.state).toBe('closed');
  });
});

// Owns its Redis: killing the shared one would break the tests above.
describe('RedisBus through a Redis outage', () => {
  let own: RedisHandle;
  beforeAll(async () => {
    own = await startRedis();
  });
  afterAll(() => own?.stop());

  it('fails publishes fast while Redis is down, then comes back up, resubscribed, in a new epoch', async () => {
    const bus = new RedisBus({ url: own.url, maxReconnectDelayMs: 100 });
    open.push(bus);
    const states: BusState[] = [];
    bus.onStateChange((s) => states.push(s));
    await bus.ready(5_000);
    const got = collect(bus);
    await bus.subscribe('blocks');
    const before = await bus.publish(outgoing('blocks', 0));
    await waitFor(() => got.length === 1);

    await own.kill();
    await waitFor(() => bus.state === 'down', { timeoutMs: 5_000 });
    // Fails at once: settled before any I/O or timer could run (no reconnect wait, no command timeout). The subscriber
    // may see the dead Redis a moment before the publishing connection does; a publish sent in that moment fails too,
    // with CHAINFAN_BUS_DOWN when its connection closes, so the test tries until the publisher has seen it.
    const late: Promise<unknown>[] = [];
    const { publishing } = await waitFor(async () => {
      const p = bus.publish(outgoing('blocks', 1));
      late.push(p.catch((err: unknown) => err));
      const settled = await Promise.race([
        p.then(() => 'resolved', () => 'rejected'),
        new Promise((r) => setImmediate(() => r('pending'))),
      ]);
      expect(settled).not.toBe('resolved');
      return settled === 'rejected' ? { publishing: p } : undefined;
    }, { timeoutMs: 5_000 });
    expectCode(await rejectionOf(publishing), 'CHAINFAN_BUS_DOWN');
    // the ones sent before the publisher saw the loss fail as in flight: down, or past their deadline
    for (const err of await Promise.all(late)) expect(['CHAINFAN_BUS_DOWN', 'CHAINFAN_PUBLISH_TIMEOUT']).toContain((err as { code?: unknown }).code);
    expectCode(await rejectionOf(bus.history('blocks', 0, 10)), 'CHAINFAN_BUS_DOWN');
    expectCode(await rejectionOf(bus.subscribe('txs')), 'CHAINFAN_BUS_DOWN'); // remembered for the reconnect

    await own.restart();
    await waitFor(() => bus.state === 'up', { timeoutMs: 10_000 });
    expect(states).toEqual(['up', 'down', 'up']);
    expect(bus.stats.reconnects).toBe(1);

    const after = await bus.publish(outgoing('blocks', 2));
    expect(after.seq).toBe(1); // Redis came back empty: the sequence restarted …
    expect(after.epoch).not.toBe(before.epoch); // … so the epoch changed
    await bus.publish(outgoing('txs', 3));
    await waitFor(() => got.length === 3);
    expect(got.map((m) => `${m.channel}:${decodeEnvelope(m.wire).ok}:${JSON.parse(m.body).i}`)).toEqual([
      'blocks:true:0',
      'blocks:true:2',
      'txs:true:3',
    ]);
  });
});
