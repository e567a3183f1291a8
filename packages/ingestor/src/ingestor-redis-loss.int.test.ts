// Redis that comes back empty or older than what was published: whichever ingestor leads afterwards continues
// where publishing stopped (backfilling what was mined meanwhile), never hands a position out twice, never
// announces a transaction twice, and its fencing tokens keep growing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareEpochs, PositionFloor, RedisBus } from '@chainfan/bus';
import { BUS_CHANNELS, type Envelope } from '@chainfan/protocol';
import { type RedisHandle, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import type { Ingestor } from './ingestor.js';
import { blocksOf, type Harness, startHarness, txidsOf } from './ingestor.fixture.js';
import { LocalStateFile } from './local-state.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface World {
  readonly h: Harness;
  readonly redis: RedisHandle;
  /** everything seen live on Redis, across restarts */
  readonly got: Envelope[];
  /**
   * `got` plus what the history holds now: a live subscriber misses what is published between Redis coming back and
   * its resubscribe (edges fill that from history; so does this). Messages are kept apart by content, so two
   * messages sharing a position both stay and the position checks see them.
   */
  seen(): Promise<Envelope[]>;
  start(owner: string, extra?: { stateFile?: LocalStateFile }): Promise<{ ingestor: Ingestor; bus: RedisBus }>;
}

async function world(): Promise<World> {
  const redis = await startRedis();
  closers.push(() => redis.stop());
  const h = await startHarness();
  closers.push(() => h.close());
  const watcher = new RedisBus({ url: redis.url, maxReconnectDelayMs: 50 });
  closers.push(() => watcher.close());
  const got: Envelope[] = [];
  watcher.onMessage((m) => got.push(m));
  await watcher.ready();
  for (const ch of BUS_CHANNELS) await watcher.subscribe(ch);
  return {
    h,
    redis,
    got,
    async seen() {
      const all = new Map<string, Envelope>();
      for (const e of got) all.set(identity(e), e);
      for (const ch of BUS_CHANNELS) {
        for (const e of (await watcher.history(ch, 0, 10_000)).messages) all.set(identity(e), e);
      }
      // per channel in position order (channel names only group; nothing here compares across channels)
      return [...all.values()].sort((x, y) => x.channel.localeCompare(y.channel) || compareEpochs(x.epoch, y.epoch) || x.seq - y.seq);
    },
    async start(owner, extra = {}) {
      const positionFloor = new PositionFloor();
      const bus = new RedisBus({ url: redis.url, maxReconnectDelayMs: 50, positionFloor });
      await bus.ready();
      const { ingestor } = await h.startIngestor({
        bus, positionFloor, owner, observeIntervalMs: 100, leaseTtlMs: 1_000, leaseRenewMs: 300, leaseRetryMs: 150, pollIntervalMs: 300, ...extra,
      });
      closers.push(() => bus.close());
      return { ingestor, bus };
    },
  };
}

const identity = (e: Envelope) => `${e.channel}/${e.epoch}/${e.seq}/${e.body}`;

const blockHashes = (got: readonly Envelope[]) => blocksOf(got).map((b) => b.hash);

/** Sends transactions until the ingestor publishes one (ZMQ subscriptions propagate asynchronously). */
async function warmUp(w: World): Promise<void> {
  const sent = new Set<string>();
  await waitFor(async () => {
    sent.add((await w.h.sim.createTx()).txid);
    return txidsOf(w.got).some((t) => sent.has(t));
  }, { timeoutMs: 10_000, intervalMs: 100 });
}

function expectNoTxTwice(got: readonly Envelope[]): void {
  const ids = txidsOf(got);
  expect(ids.length, `transactions announced twice: ${ids.filter((t, i) => ids.indexOf(t) !== i).join(',')}`).toBe(new Set(ids).size);
}

describe('ingestors and a Redis that lost data', () => {
  it('Redis restarted empty, the standby wins: it backfills from the checkpoint it watched and announces no transaction twice', async () => {
    const w = await world();
    const a = await w.start('a');
    await waitFor(() => a.ingestor.status().leader);
    const b = await w.start('b');
    await warmUp(w);
    const before = [await w.h.sim.mineBlock(), await w.h.sim.mineBlock()];
    await waitFor(() => blockHashes(w.got).includes(before[1]!.header.hash));
    // left in the mempool across the outage: announced once, before it
    const pending = await w.h.sim.createTx();
    await waitFor(() => txidsOf(w.got).includes(pending.txid));
    const tokenA = Number(String(await redisCommand(w.redis.url, ['GET', '{cf:lease}'])).split(':')[0]);
    expect(b.ingestor.status().leader).toBe(false);
    const lastBefore = blocksOf(w.got).at(-1)!;
    // the standby has read the checkpoint of the last block (it logs nothing; its saved state would show it)
    await waitFor(() => b.ingestor.knownCheckpoint()?.hash === lastBefore.hash, { message: 'standby watched the checkpoint' });
    // …and the transactions announced so far (a transaction announced within the last observe round before Redis
    // loses its data is not known to the standby: it would be announced again, in the new epoch)
    const lastTx = w.got.filter((e) => e.channel === 'txs').at(-1)!;
    await waitFor(() => b.ingestor.txidsReadTo()?.seq === lastTx.seq, { message: 'standby read the transactions' });

    await w.redis.kill();
    await a.ingestor.close(); // the old leader is gone too: the standby must win
    const during = await w.h.sim.createTx();
    const mined = [await w.h.sim.mineBlock(), await w.h.sim.mineBlock()];
    await w.redis.restart();

    await waitFor(() => b.ingestor.status().leader && b.ingestor.status().tip?.hash === mined[1]!.header.hash, { timeoutMs: 20_000, message: 'standby leads and caught up' });
    await waitFor(async () => blockHashes(await w.seen()).includes(mined[1]!.header.hash), { timeoutMs: 5_000 });
    const seen = await w.seen();
    expect(blockHashes(seen)).toEqual(expect.arrayContaining([...before, ...mined].map((x) => x.header.hash)));
    const heights = blocksOf(seen).map((x) => x.height);
    expect(heights.slice(-2)).toEqual([lastBefore.height + 1, lastBefore.height + 2]);
    expect(txidsOf(seen)).toContain(during.txid);
    expectNoTxTwice(seen);
    const tokenB = Number(String(await redisCommand(w.redis.url, ['GET', '{cf:lease}'])).split(':')[0]);
    expect(tokenB).toBeGreaterThan(tokenA);
  });

  it('Redis restarted from an older RDB snapshot: the leader continues in a new epoch, no position handed out twice', async () => {
    const w = await world();
    const a = await w.start('a');
    await waitFor(() => a.ingestor.status().leader);
    await warmUp(w);
    await w.h.sim.mineBlock();
    await waitFor(() => blocksOf(w.got).length === 1);
    await redisCommand(w.redis.url, ['SAVE']);
    const later = [await w.h.sim.mineBlock(), await w.h.sim.mineBlock()];
    await waitFor(() => blockHashes(w.got).includes(later[1]!.header.hash));
    const firstEpoch = w.got.find((e) => e.channel === 'blocks')!.epoch;

    await w.redis.kill();
    await w.redis.restart(); // loads the snapshot: seq 1 of the blocks channel, in the same epoch
    expect(await redisCommand(w.redis.url, ['GET', '{cf:blocks}:ep'])).toBe(firstEpoch);
    const next = await w.h.sim.mineBlock();
    await waitFor(async () => blockHashes(await w.seen()).includes(next.header.hash), { timeoutMs: 20_000 });
    const seen = await w.seen();
    const blocks = seen.filter((e) => e.channel === 'blocks');
    const positions = blocks.map((e) => `${e.epoch}/${e.seq}`);
    expect(new Set(positions).size).toBe(positions.length);
    expect(blocks.at(-1)!.epoch).not.toBe(firstEpoch);
    expect(BigInt(blocks.at(-1)!.epoch)).toBeGreaterThan(BigInt(firstEpoch));
    expectNoTxTwice(seen);
  });

  it('an ingestor restarted with its state file catches a rewind that happened while it was down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chainfan-state-'));
    closers.push(() => rm(dir, { recursive: true, force: true })); // last: after the ingestors saved for the last time
    const w = await world();
    const stateFile = new LocalStateFile(join(dir, 'ingestor.json'));
    const a = await w.start('a', { stateFile });
    await waitFor(() => a.ingestor.status().leader);
    await warmUp(w);
    await w.h.sim.mineBlock();
    await waitFor(() => blocksOf(w.got).length === 1);
    await redisCommand(w.redis.url, ['SAVE']);
    const later = await w.h.sim.mineBlock();
    await waitFor(() => blockHashes(w.got).includes(later.header.hash));
    const firstEpoch = w.got.find((e) => e.channel === 'blocks')!.epoch;
    await a.ingestor.close();
    const lastBlock = w.got.filter((e) => e.channel === 'blocks').at(-1)!;
    expect((await stateFile.load())?.positions).toContainEqual(['blocks', { epoch: firstEpoch, seq: lastBlock.seq }]);

    await w.redis.kill();
    await w.redis.restart();
    const b = await w.start('a2', { stateFile });
    await waitFor(() => b.ingestor.status().leader, { timeoutMs: 10_000 });
    const next = await w.h.sim.mineBlock();
    await waitFor(async () => blockHashes(await w.seen()).includes(next.header.hash), { timeoutMs: 20_000 });
    const blocks = (await w.seen()).filter((e) => e.channel === 'blocks');
    const positions = blocks.map((e) => `${e.epoch}/${e.seq}`);
    expect(new Set(positions).size).toBe(positions.length);
    expect(blocks.at(-1)!.epoch).not.toBe(firstEpoch);
  });
});
