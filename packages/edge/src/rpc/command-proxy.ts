// Answers command messages (`{"command":"getblockchaininfo","params":[]}`) from the node without letting clients load
// it or learn its private details: an allow-list of read-only methods whose answers are cut to their public fields
// (public-fields.ts), one in-flight call per distinct request on this edge (single-flight), a result cache shared by
// the whole cluster (TtlCache, Redis in production), and a bound on distinct calls in flight.
import { createHash } from 'node:crypto';
import type { TtlCache } from '@chainfan/bus';
import { type ClientError, ERROR } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import { READ_ONLY_METHODS } from './allow-list.js';
import { publicResult } from './public-fields.js';
import type { NodeRpc } from './node-rpc.js';

export type CommandOutcome = { readonly ok: true; readonly result: string } | { readonly ok: false; readonly error: ClientError };

export interface CommandProxyOptions {
  /** undefined: no node RPC configured, every command is refused with 1011 */
  readonly rpc: NodeRpc | undefined;
  readonly cache: TtlCache;
  readonly cacheTtlMs: number;
  readonly maxInflight: number;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
  readonly allowed?: ReadonlySet<string>;
}

/** What the cache holds per request: `r<result JSON>` or `e<{code,message}>`; node refusals are cached too. */
type Cached = string;

const UNAVAILABLE: CommandOutcome = { ok: false, error: { reason: 'unavailable', code: ERROR.commandsUnavailable.code, message: ERROR.commandsUnavailable.message() } };
const BUSY: CommandOutcome = { ok: false, error: { reason: 'unavailable', code: ERROR.commandBusy.code, message: ERROR.commandBusy.message() } };

function failed(why: string): CommandOutcome {
  return { ok: false, error: { reason: 'command_failed', code: ERROR.commandFailed.code, message: ERROR.commandFailed.message(why) } };
}

function fromCached(v: Cached): CommandOutcome {
  if (v.startsWith('r')) return { ok: true, result: v.slice(1) };
  try {
    const e = JSON.parse(v.slice(1)) as { code: number; message: string };
    return failed(`${e.message} (${e.code})`);
  } catch {
    return failed('unreadable cached answer'); // our own writes; a foreign value is treated as a failure, not trusted
  }
}

export class CommandProxy {
  readonly #o: CommandProxyOptions;
  readonly #allowed: ReadonlySet<string>;
  readonly #inflight = new Map<string, Promise<CommandOutcome>>();
  #cacheFailures = 0;

  constructor(o: CommandProxyOptions) {
    this.#o = o;
    this.#allowed = o.allowed ?? READ_ONLY_METHODS;
  }

  get enabled(): boolean {
    return this.#o.rpc !== undefined;
  }

  /** Never rejects: every failure is an outcome the dialect can answer with. */
  call(method: string, params: readonly unknown[]): Promise<CommandOutcome> {
    if (this.#o.rpc === undefined) return Promise.resolve(UNAVAILABLE);
    if (!this.#allowed.has(method)) {
      return Promise.resolve({ ok: false, error: { reason: 'command_not_allowed', code: ERROR.commandNotAllowed.code, message: ERROR.commandNotAllowed.message(method) } });
    }
    const key = `rpc:${method}:${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 32)}`;
    const joined = this.#inflight.get(key);
    if (joined !== undefined) return joined;
    if (this.#inflight.size >= this.#o.maxInflight) {
      this.#o.metrics.limitHits.inc({ limit: 'rpc_inflight' });
      return Promise.resolve(BUSY);
    }
    const p = this.#resolve(this.#o.rpc, key, method, params).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  async #resolve(rpc: NodeRpc, key: string, method: string, params: readonly unknown[]): Promise<CommandOutcome> {
    const cached = await this.#o.cache.get(key).catch((err: unknown) => this.#cacheFailed('get', err));
    if (cached !== undefined) return fromCached(cached);
    let value: Cached;
    try {
      const r = await rpc.call(method, params);
      if (r.ok) {
        // only the documented public fields leave the edge; an answer of an unexpected shape is refused, not passed on
        const pub = publicResult(method, r.result);
        if (pub === undefined) {
          this.#o.metrics.clientErrors.inc({ reason: 'command_failed' });
          this.#o.log.warn({ event: 'command.unexpected_answer', method }, 'node answer not of the documented shape: refused');
          return failed('unexpected answer from the node');
        }
        value = `r${pub}`;
      } else {
        value = `e${JSON.stringify({ code: r.code, message: r.message })}`;
      }
    } catch (err) {
      this.#o.metrics.clientErrors.inc({ reason: 'command_failed' });
      this.#o.log.warn({ event: 'command.node_failed', method, err }, 'node RPC call failed');
      return failed('node unreachable, retry later'); // not cached: the next request tries the node again
    }
    await this.#o.cache.set(key, value, this.#o.cacheTtlMs).catch((err: unknown) => this.#cacheFailed('set', err));
    return fromCached(value);
  }

  /** The cache is an optimisation: without it every edge still sends at most one call per distinct request at once. */
  #cacheFailed(op: string, err: unknown): undefined {
    const n = ++this.#cacheFailures;
    if ((n & (n - 1)) === 0) this.#o.log.warn({ event: 'command.cache_failed', op, err, count: n }, 'command cache unavailable');
    return undefined;
  }
}
