// Bus channels are coarse and few; fine client topics are derived at the edge from routing keys. The transaction
// stream may be split into hash partitions (`txs.0` … `txs.<N-1>`) so no single Redis shard carries it all.
export const BUS_CHANNELS = ['blocks', 'txs', 'assets', 'mempool', 'sequence', 'chain', 'status', 'ctl'] as const;
/** A named channel; with partitions, `txs` stands for the family of its partitions. */
export type BaseChannel = (typeof BUS_CHANNELS)[number];
/** One hash partition of the transaction stream; only 0 ≤ i < MAX_TXS_PARTITIONS exist (isBusChannel). */
export type TxsPartition = `txs.${number}`;
export type BusChannel = BaseChannel | TxsPartition;

/** Upper bound of CHAINFAN_BUS_TXS_PARTITIONS: keeps channel names, keys and metric labels bounded. */
export const MAX_TXS_PARTITIONS = 64;

const PARTITION_RE = /^txs\.(0|[1-9]\d?)$/;

export function isBusChannel(s: string): s is BusChannel {
  if ((BUS_CHANNELS as readonly string[]).includes(s)) return true;
  const m = PARTITION_RE.exec(s);
  return m !== null && Number(m[1]) < MAX_TXS_PARTITIONS;
}

/** The named channel a channel belongs to: `txs.3` → `txs`; others are themselves. */
export function baseChannel(ch: BusChannel): BaseChannel {
  return ch.startsWith('txs.') ? 'txs' : (ch as BaseChannel);
}

/** Throws on a count outside 1..MAX_TXS_PARTITIONS: a bug of the caller (configuration is checked at start-up). */
function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_TXS_PARTITIONS) throw new RangeError(`txs partitions must be 1..${MAX_TXS_PARTITIONS}, got ${n}`);
}

const partitionLists = new Map<number, readonly BusChannel[]>();

/** The channels of the transaction stream: `['txs']` for one partition (the unpartitioned layout), else `txs.0` …. */
export function txsChannels(n: number): readonly BusChannel[] {
  let list = partitionLists.get(n);
  if (list === undefined) {
    checkCount(n);
    list = Object.freeze(n === 1 ? ['txs'] : Array.from({ length: n }, (_, i): BusChannel => `txs.${i}`));
    partitionLists.set(n, list);
  }
  return list;
}

/** Every channel in use with `n` transaction partitions (the named ones, with `txs` replaced by its partitions). */
export function busChannelsFor(n: number): readonly BusChannel[] {
  return BUS_CHANNELS.flatMap((c) => (c === 'txs' ? txsChannels(n) : [c]));
}

/**
 * The partition of a transaction: FNV-1a (32 bit) of the lower-case txid, mod n. Publisher and edges compute it the
 * same way, so `tx:<txid>` reads one partition. Txids are hashes already; FNV only makes any key string usable.
 */
export function txsPartitionOf(txid: string, n: number): BusChannel {
  const list = txsChannels(n);
  if (n === 1) return list[0]!;
  let h = 0x811c9dc5;
  const s = txid.toLowerCase();
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return list[(h >>> 0) % n]!;
}
