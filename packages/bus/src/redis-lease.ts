// RedisBus's leader lease: the lease key on its own slot, its token copied to every channel's fence key so each
// publish script can refuse a stale leader on its own shard.
import type { BusChannel } from '@chainfan/protocol';
import { ACQUIRE_LEASE_SCRIPT, CLEAR_FENCE_SCRIPT, RELEASE_LEASE_SCRIPT, RENEW_LEASE_SCRIPT, STAMP_FENCE_SCRIPT } from './publish-script.js';
import type { RedisClient } from './redis-clients.js';
import type { BusKeys, ChannelKeys } from './redis-keys.js';

export interface RedisLeaseOptions {
  readonly pub: RedisClient;
  readonly keys: BusKeys;
  readonly keysOf: (channel: BusChannel) => ChannelKeys;
  /** the channels this deployment publishes on (with its transaction partitions): each gets a fence copy */
  readonly channels: readonly BusChannel[];
  /** runs a coordination command with the bus's deadline; fails fast while disconnected */
  readonly command: <T>(what: string, run: () => Promise<T>) => Promise<T>;
}

export class RedisLease {
  readonly #o: RedisLeaseOptions;
  #lastTokenCounter = 0;

  constructor(o: RedisLeaseOptions) {
    this.#o = o;
  }

  /**
   * The lease lives on its own slot; its token is then copied to every channel's fence key (each publish script
   * compares against its own shard's copy). The copy refuses to replace a newer leader's token, so a leader that
   * stamped every channel has fenced out every earlier one before its first publish.
   */
  async acquire(owner: string, ttlMs: number): Promise<string | undefined> {
    const { pub, keys, keysOf, command, channels } = this.#o;
    const ttl = Math.ceil(ttlMs);
    const fences = await command('lease', () => Promise.all(channels.map((c) => pub.get(keysOf(c).fence))));
    // above every fence's token, and never below this process's clock in ms (nor a token it saw): tokens keep
    // growing when Redis lost the counter and the fences with its data
    const highest = Math.max(Date.now(), this.#lastTokenCounter, ...fences.map((f) => Number(/^(\d+):/.exec(f ?? '')?.[1] ?? 0)));
    const v = await command('lease', () => pub.eval(ACQUIRE_LEASE_SCRIPT, 2, keys.lease, keys.leaseCounter, owner, ttl, highest));
    if (typeof v !== 'string') return undefined;
    const counter = Number(v.slice(0, v.indexOf(':')));
    if (Number.isSafeInteger(counter) && counter > this.#lastTokenCounter) this.#lastTokenCounter = counter;
    if (await this.#stampFences(v, ttl)) return v;
    // a fence holds a larger token than the lease counter just issued: the counter was lost (Redis lost data)
    await this.release(v);
    return undefined;
  }

  async renew(token: string, ttlMs: number): Promise<boolean> {
    const { pub, keys, command } = this.#o;
    const ttl = Math.ceil(ttlMs);
    if ((await command('lease', () => pub.eval(RENEW_LEASE_SCRIPT, 1, keys.lease, token, ttl))) !== 1) return false;
    return this.#stampFences(token, ttl);
  }

  async release(token: string): Promise<void> {
    const { pub, keys, keysOf, command, channels } = this.#o;
    await command('lease', () => pub.eval(RELEASE_LEASE_SCRIPT, 1, keys.lease, token));
    await command('lease', () => Promise.all(channels.map((c) => pub.eval(CLEAR_FENCE_SCRIPT, 1, keysOf(c).fence, token))));
  }

  /** true when every channel's fence now holds `token` (false: some fence has a newer leader's token). */
  async #stampFences(token: string, ttl: number): Promise<boolean> {
    const { pub, keysOf, command, channels } = this.#o;
    const res = await command('lease', () => Promise.all(channels.map((c) => pub.eval(STAMP_FENCE_SCRIPT, 1, keysOf(c).fence, token, ttl))));
    return res.every((r) => r === 1);
  }
}
