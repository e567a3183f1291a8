// The Redis key layout of the bus. Every key of one channel carries the channel's hash tag, so the atomic publish
// touches one Cluster slot; the leader lease has a tag of its own.
//
// With prefix P (default `cf:`) and bus channel C, tag T = `{P<C>}`:
//   T           sharded pub/sub channel (SPUBLISH / SSUBSCRIBE) carrying the wire string of every envelope
//   T:h         Stream of history: entry ID `<seq>-0`, field `m` = wire string, exact MAXLEN (historyMaxLen)
//   T:seq       last seq assigned in the current epoch (string integer)
//   T:ep        current epoch: Redis TIME (seconds + 6-digit µs) when the sequence (re)started
//   T:fence     the leader's fencing token as this channel's shard knows it (stamped on acquire and renew)
//   T:ckpt      hash {t: Redis TIME µs, v: checkpoint} of the last publish on C that carried a checkpoint
//   {Please}          current fencing token of the active publisher (PX = lease TTL)
//   {Please}:counter  only grows; the token's decimal prefix
import { BUS_CHANNELS, type BusChannel } from '@chainfan/protocol';

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

export function busKeys(prefix: string): BusKeys {
  // a brace in the prefix would move the hash tag and split a channel's keys over slots
  if (/[{}]/.test(prefix)) throw new RangeError(`keyPrefix must not contain { or }, got ${JSON.stringify(prefix)}`);
  const channels = new Map<BusChannel, ChannelKeys>();
  for (const c of BUS_CHANNELS) {
    const tag = `{${prefix}${c}}`;
    channels.set(c, { pubsub: tag, history: `${tag}:h`, seq: `${tag}:seq`, epoch: `${tag}:ep`, fence: `${tag}:fence`, checkpoint: `${tag}:ckpt` });
  }
  return {
    channels,
    channelByPubsub: new Map([...channels].map(([c, k]) => [k.pubsub, c])),
    lease: `{${prefix}lease}`,
    leaseCounter: `{${prefix}lease}:counter`,
  };
}
