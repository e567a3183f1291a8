// Which shard a bus channel lives on, as a bounded label: the ordinal of the Cluster master that owns the channel's
// slot, counted in slot order (the master owning slot 0 is shard 0). A failover keeps the ordinal — the promoted
// replica owns the same slots — so a per-shard series survives it. One server or Sentinel: always shard 0.
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-clients.js';

const SLOTS = 16_384;

/** CRC16-CCITT (XModem) of the key's hash tag, mod 16384: the Cluster key slot. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let s = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) s = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % SLOTS;
}

export class ShardLabels {
  readonly #client: RedisClient;
  /** master node key → ordinal, rebuilt when a master shows up that it does not know (resharding, a failover) */
  #ordinals = new Map<string, string>();

  constructor(client: RedisClient) {
    this.#client = client;
  }

  /** The shard label of a key's slot; `?` while a Cluster client has no slot map yet (never unbounded). */
  of(key: string): string {
    const c = this.#client;
    if (!(c instanceof Cluster)) return '0';
    const owner = c.slots[keySlot(key)]?.[0];
    if (owner === undefined) return '?';
    let label = this.#ordinals.get(owner);
    if (label === undefined) {
      this.#ordinals = ordinals(c.slots);
      label = this.#ordinals.get(owner) ?? '?';
    }
    return label;
  }
}

function ordinals(slots: readonly (readonly string[] | undefined)[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let s = 0; s < SLOTS; s++) {
    const owner = slots[s]?.[0];
    if (owner !== undefined && !out.has(owner)) out.set(owner, String(out.size));
  }
  return out;
}
