// One publish script call of RedisBus: EVAL of the script (never refused for an empty script cache), a lost fence copy re-stamped from the lease,
// and the position floor moved by the outcome. Tracks the calls still unanswered, for read-your-writes.
import { type BusChannel, ChainfanError, type Clock } from '@chainfan/protocol';
import { withDeadline } from './deadline.js';
import type { PositionFloor } from './position-floor.js';
import { NO_FENCE_REPLY_CODE, PUBLISH_SCRIPT, STAMP_FENCE_SCRIPT } from './publish-script.js';
import type { RedisClient } from './redis-clients.js';
import type { ChannelKeys } from './redis-keys.js';
import { isReplyError } from './redis-replies.js';

/** KEYS: 1 lease. ARGV: 1 token. The lease's remaining ms when it still holds the token, else 0. */
const RESTAMP_CHECK_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PTTL', KEYS[1])
`;

export interface RedisPublishCallOptions {
  readonly pub: RedisClient;
  readonly leaseKey: string;
  readonly keysOf: (channel: BusChannel) => ChannelKeys;
  readonly floor: PositionFloor;
  readonly commandTimeoutMs: number;
  /** counted in RedisBusStats.fenceRestamps */
  readonly onFenceRestamp: () => void;
  /** times the publish deadline */
  readonly clock: Pick<Clock, 'setTimeout'>;
}

export class RedisPublishCall {
  readonly #o: RedisPublishCallOptions;
  /** publish script calls sent and not yet answered — including those whose caller already got a timeout */
  readonly #unsettled = new Set<Promise<unknown>>();

  constructor(o: RedisPublishCallOptions) {
    this.#o = o;
  }

  /** The script calls sent and not yet answered. */
  unsettled(): Promise<unknown>[] {
    return [...this.#unsettled];
  }

  /** Runs one batch of `messages` publishes on `channel` with the bus's deadline (CHAINFAN_PUBLISH_TIMEOUT). */
  run(channel: BusChannel, token: string, messages: number, keys: readonly string[], argv: readonly (string | number)[]): Promise<unknown> {
    const call = this.#evalPublish(channel, token, keys, argv);
    this.#unsettled.add(call);
    call.finally(() => this.#unsettled.delete(call)).catch(() => undefined); // the outcome is handled below
    return this.#trackFloor(channel, messages, withDeadline(call, this.#o.commandTimeoutMs, 'CHAINFAN_PUBLISH_TIMEOUT', 'publish', this.#o.clock));
  }

  /** Moves the channel's floor: to the last confirmed seq, or past the messages whose outcome is unknown. */
  async #trackFloor(channel: BusChannel, messages: number, call: Promise<unknown>): Promise<unknown> {
    const floor = this.#o.floor;
    try {
      const reply = await call;
      const epoch: unknown = Array.isArray(reply) ? reply[reply.length - 2] : undefined;
      const seq: unknown = Array.isArray(reply) ? reply[reply.length - 1] : undefined;
      if (typeof epoch === 'string' && typeof seq === 'number') {
        floor.note(channel, { epoch, seq });
      }
      return reply;
    } catch (err) {
      // a reply error means the script did not run (or stopped before its seq was stored); a fence refusal sequenced
      // nothing. Anything else (a dropped connection, the deadline) may have published: count those messages.
      const known = isReplyError(err) || (err instanceof ChainfanError && err.code === 'CHAINFAN_PUBLISH_FENCED');
      const f = floor.get(channel);
      if (!known && f !== undefined) floor.note(channel, { epoch: f.epoch, seq: f.seq + messages });
      throw err;
    }
  }

  async #evalPublish(channel: BusChannel, token: string, keys: readonly string[], argv: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.#evalPublishScript(keys, argv);
    } catch (err) {
      if (!(isReplyError(err) && err.message.startsWith(NO_FENCE_REPLY_CODE))) throw err;
    }
    // The channel's shard lost its fence copy (a failover to a replica that had not received it, or it expired
    // while the renewal was late). Re-stamp it only while the lease itself still holds this token, then retry once;
    // nothing was sequenced by the refused call.
    this.#o.onFenceRestamp();
    const { pub } = this.#o;
    const pttl = Number(await pub.eval(RESTAMP_CHECK_SCRIPT, 1, this.#o.leaseKey, token));
    if (!(pttl > 0) || (await pub.eval(STAMP_FENCE_SCRIPT, 1, this.#o.keysOf(channel).fence, token, pttl)) !== 1) {
      throw new ChainfanError('CHAINFAN_PUBLISH_FENCED', 'publish: fencing token is stale; another publisher holds the lease', { context: { channel } });
    }
    return await this.#evalPublishScript(keys, argv);
  }

  /**
   * Always EVAL with the script body, never EVALSHA: an EVALSHA refused with NOSCRIPT (the script cache is empty after
   * a Redis restart or failover) would have to be retried after a round trip, and the calls pipelined behind it would
   * by then have run — blocks published 1, 2, 3 were sequenced 1, 3, 2 on a fresh Redis under load. Redis hashes the
   * body (~1.7 KB) and reuses the compiled script, so the cost is those bytes per batch.
   */
  async #evalPublishScript(keys: readonly string[], argv: readonly (string | number)[]): Promise<unknown> {
    return await this.#o.pub.eval(PUBLISH_SCRIPT, keys.length, ...keys, ...argv);
  }
}
