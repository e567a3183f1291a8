// The Redis key layout of the bus. Every key of one channel carries the channel's hash tag, so the atomic publish
// touches one Cluster slot; the leader lease has a tag of its own.
//
// With prefix P (default `cf:`) and bus channel C, tag T = `{P<C>}`. A partition of the transaction stream is a channel of
// its own; its tag may carry a suffix (`{cf:txs.3#5}`, see partitionTag) that places it on a chosen part of the slots:
//   T           sharded pub/sub channel (SPUBLISH / SSUBSCRIBE) carrying the wire string of every envelope
//   T:h         Stream of history: entry ID `<seq>-0`, field `m` = wire string, exact MAXLEN (historyMaxLen)
//   T:seq       last seq assigned in the current epoch (string integer)
//   T:ep        current epoch: Redis TIME (seconds + 6-digit µs) when the sequence (re)started
//   T:fence     the leader's fencing token as this channel's shard knows it (stamped on acquire and renew)
//   T:ckpt      hash {t: Redis TIME µs, v: checkpoint} of the last publish on C that carried a checkpoint
//   {Please}          current fencing token of the active publisher (PX = lease TTL)
//   {Please}:counter  only grows; the token's decimal prefix
import { type BusChannel, BUS_CHANNELS, txsChannels } from '@chainfan/protocol';
import { keySlot } from './redis-shards.js';

export interface ChannelKeys {
  readonly pubsub: string;
  readonly history: string;
  readonly seq: string;
  readonly epoch: string;
  readonly fence: string;
  readonly checkpoint: string;
}

export interface BusKeys {
  readonly channels: ReadonlyMap<BusChannel, ChannelKeys>;
  /** sharded pub/sub channel name → bus channel */
  readonly channelByPubsub: ReadonlyMap<string, BusChannel>;
  readonly lease: string;
  readonly leaseCounter: string;
}

/**
 * The hash tag of partition i of n: `{P txs.i}` or, when that slot falls outside the middle half of the i-th n-th of
 * the slot space, the first `{P txs.i#k}` that falls inside it. Masters created by `redis-cli --cluster create` (or
 * rebalanced) hold equal contiguous slot ranges, so with n a multiple of the master count every master carries
 * n ÷ masters partitions; plain CRC16 of `txs.0` … `txs.5` would put 4 of 6 on one of 3 masters. The middle half, not
 * the whole n-th, because the tools round range borders their own way (3 masters end at 5460 and 10922, a sixth of
 * the space at 2730.67): a slot at the very edge of an n-th can belong to the next master.
 */
export function partitionTag(prefix: string, channel: BusChannel, i: number, n: number): string {
  const width = 16_384 / n;
  const lo = Math.ceil(i * width + width / 4);
  const hi = Math.floor((i + 1) * width - width / 4);
  for (let k = 0; k < 100_000; k++) {
    const tag = k === 0 ? `{${prefix}${channel}}` : `{${prefix}${channel}#${k}}`;
    const slot = keySlot(tag);
    if (slot >= lo && slot < hi) return tag;
  }
  return `{${prefix}${channel}}`; // unreachable in practice: CRC16 reaches every range of ≥ 64 slots quickly
}

/** Keys of every named channel and of the `txsPartitions` partitions of the transaction stream (default 1). */
export function busKeys(prefix: string, txsPartitions = 1): BusKeys {
  // a brace in the prefix would move the hash tag and split a channel's keys over slots
  if (/[{}]/.test(prefix)) throw new RangeError(`keyPrefix must not contain { or }, got ${JSON.stringify(prefix)}`);
  const channels = new Map<BusChannel, ChannelKeys>();
  const partitions = txsPartitions > 1 ? txsChannels(txsPartitions) : [];
  for (const c of [...BUS_CHANNELS, ...partitions]) {
    const i = partitions.indexOf(c);
    const tag = i < 0 ? `{${prefix}${c}}` : partitionTag(prefix, c, i, txsPartitions);
    channels.set(c, { pubsub: tag, history: `${tag}:h`, seq: `${tag}:seq`, epoch: `${tag}:ep`, fence: `${tag}:fence`, checkpoint: `${tag}:ckpt` });
  }
  return {
    channels,
    channelByPubsub: new Map([...channels].map(([c, k]) => [k.pubsub, c])),
    lease: `{${prefix}lease}`,
    leaseCounter: `{${prefix}lease}:counter`,
  };
}
