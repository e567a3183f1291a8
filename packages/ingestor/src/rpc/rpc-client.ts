// JSON-RPC client for a bitcoind-family node: basic auth, a deadline per call, retries with backoff, batches.
import { backoffMs, type BackoffPolicy, ChainfanError, type Clock, rpcEndpoint, systemClock } from '@chainfan/protocol';

export interface RpcClientOptions {
  /** http://user:pass@host:port/ — credentials may also come as user/password */
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  readonly timeoutMs?: number;
  /** attempts beyond the first for transport failures and HTTP 5xx without a JSON-RPC error */
  readonly retries?: number;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  /** times the waits between attempts; the system clock unless given (each call's own deadline is the socket's) */
  readonly clock?: Pick<Clock, 'setTimeout'>;
  /** observes every call's outcome (metrics) */
  readonly onCall?: (method: string, outcome: 'ok' | 'error' | 'timeout' | 'unreachable') => void;
}

export interface RpcCall {
  readonly method: string;
  readonly params?: readonly unknown[];
}

/** A JSON-RPC error object returned by the node: the request reached it and was refused. Not retried. */
export class RpcError extends ChainfanError {
  readonly rpcCode: number;
  constructor(method: string, rpcCode: number, message: string) {
    super('CHAINFAN_RPC_FAILED', `${method}: ${message} (${rpcCode})`, { context: { method, rpcCode } });
    this.rpcCode = rpcCode;
  }
}

interface RpcReply {
  readonly result?: unknown;
  readonly error?: { code: number; message: string } | null;
  readonly id?: unknown;
}

/** What the ingestor asks of the node: the RpcClient over HTTP, or an in-process node in logic tests. */
export type ChainRpc = Pick<RpcClient, 'call' | 'batch' | 'batchSettled'>;

export class RpcClient {
  readonly #endpoint: string;
  readonly #auth: string | undefined;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoff: BackoffPolicy;
  readonly #random: () => number;
  readonly #clock: Pick<Clock, 'setTimeout'>;
  readonly #onCall: RpcClientOptions['onCall'];
  #nextId = 1;

  constructor(o: RpcClientOptions) {
    const { endpoint, authorization } = rpcEndpoint(o.url, o.user, o.password);
    this.#endpoint = endpoint;
    this.#auth = authorization;
    this.#timeoutMs = o.timeoutMs ?? 5_000;
    this.#retries = o.retries ?? 3;
    this.#backoff = o.backoff ?? { initialDelayMs: 100, maxDelayMs: 2_000, factor: 2 };
    this.#random = o.random ?? Math.random;
    this.#clock = o.clock ?? systemClock;
    this.#onCall = o.onCall;
  }

  /** The URL calls go to, without credentials (for logs). */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** Like batch, but one call's RPC error does not fail the others (e.g. a transaction that left the mempool). */
  async batchSettled(calls: readonly RpcCall[]): Promise<({ ok: true; result: unknown } | { ok: false; error: RpcError })[]> {
    return this.#send(calls, true) as Promise<({ ok: true; result: unknown } | { ok: false; error: RpcError })[]>;
  }

  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const [r] = await this.batch([{ method, params }]);
    return r as T;
  }

  /**
   * Sends all calls in one HTTP request (JSON-RPC batch) and returns results in call order. Rejects with
   * RpcError when the node answers an error for any of them, CHAINFAN_RPC_TIMEOUT / CHAINFAN_RPC_FAILED when
   * it cannot be reached after the retries.
   */
  async batch(calls: readonly RpcCall[]): Promise<unknown[]> {
    return this.#send(calls, false);
  }

  async #send(calls: readonly RpcCall[], settle: boolean): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const first = calls[0]!.method;
    const ids = calls.map(() => this.#nextId++);
    const payload = JSON.stringify(calls.map((c, i) => ({ jsonrpc: '1.0', id: ids[i], method: c.method, params: c.params ?? [] })));
    let lastErr: unknown;
    for (let attempt = 0; attempt <= this.#retries; attempt++) {
      if (attempt > 0) await new Promise<void>((r) => this.#clock.setTimeout(r, backoffMs(attempt - 1, this.#random, this.#backoff)));
      let res: Response;
      try {
        res = await fetch(this.#endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(this.#auth ? { authorization: this.#auth } : {}) },
          body: payload,
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        this.#onCall?.(first, timeout ? 'timeout' : 'unreachable');
        lastErr = new ChainfanError(timeout ? 'CHAINFAN_RPC_TIMEOUT' : 'CHAINFAN_RPC_FAILED', `${first}: node unreachable`, { cause: err, context: { method: first, attempt } });
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        this.#onCall?.(first, 'error');
        throw new ChainfanError('CHAINFAN_RPC_FAILED', `${first}: RPC authentication failed (HTTP ${res.status})`, { context: { method: first } });
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        this.#onCall?.(first, 'error');
        lastErr = new ChainfanError('CHAINFAN_RPC_FAILED', `${first}: HTTP ${res.status} without a JSON body`, { cause: err, context: { method: first } });
        continue;
      }
      const replies = Array.isArray(body) ? (body as RpcReply[]) : [body as RpcReply];
      const byId = new Map(replies.map((r) => [r.id, r]));
      const out: unknown[] = [];
      for (let i = 0; i < calls.length; i++) {
        const r = byId.get(ids[i]) ?? (calls.length === 1 ? replies[0] : undefined);
        if (r === undefined) throw new ChainfanError('CHAINFAN_RPC_FAILED', `${calls[i]!.method}: reply missing from batch`);
        if (r.error) {
          this.#onCall?.(calls[i]!.method, 'error');
          const e = new RpcError(calls[i]!.method, r.error.code, r.error.message);
          if (!settle) throw e;
          out.push({ ok: false, error: e });
          continue;
        }
        out.push(settle ? { ok: true, result: r.result } : r.result);
      }
      if (!settle) for (const c of calls) this.#onCall?.(c.method, 'ok');
      return out;
    }
    throw lastErr;
  }
}
