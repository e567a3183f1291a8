// A minimal JSON-RPC client for the node, for command messages: one call per request, basic auth, a deadline. The
// node's own refusals (an RPC error object) are outcomes; only an unreachable node is an exception.
import { ChainfanError, rpcEndpoint } from '@chainfan/protocol';

export interface NodeRpcOptions {
  /** http://user:pass@host:port/ — credentials may also come as user/password */
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  readonly timeoutMs: number;
  /** replies larger than this are refused (a command's answer goes into one WebSocket frame) */
  readonly maxReplyBytes: number;
}

/** `result` is the node's result as JSON text; an error is the node's `{code, message}`. */
export type NodeRpcOutcome = { readonly ok: true; readonly result: string } | { readonly ok: false; readonly code: number; readonly message: string };

export class NodeRpc {
  readonly #endpoint: string;
  readonly #auth: string | undefined;
  readonly #o: NodeRpcOptions;
  #nextId = 1;

  constructor(o: NodeRpcOptions) {
    const { endpoint, authorization } = rpcEndpoint(o.url, o.user, o.password);
    this.#endpoint = endpoint;
    this.#auth = authorization;
    this.#o = o;
  }

  /** Rejects with CHAINFAN_RPC_TIMEOUT or CHAINFAN_RPC_FAILED when the node cannot be asked or answers nonsense. */
  async call(method: string, params: readonly unknown[]): Promise<NodeRpcOutcome> {
    let res: Response;
    try {
      res = await fetch(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#auth === undefined ? {} : { authorization: this.#auth }) },
        body: JSON.stringify({ jsonrpc: '1.0', id: this.#nextId++, method, params }),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (err) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new ChainfanError(timeout ? 'CHAINFAN_RPC_TIMEOUT' : 'CHAINFAN_RPC_FAILED', `${method}: node ${timeout ? 'did not answer in time' : 'unreachable'}`, { cause: err });
    }
    if (res.status === 401 || res.status === 403) throw new ChainfanError('CHAINFAN_RPC_FAILED', `${method}: node refused our credentials (${res.status})`);
    const text = await res.text();
    if (text.length > this.#o.maxReplyBytes) return { ok: false, code: -32000, message: `reply larger than ${this.#o.maxReplyBytes} bytes` };
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch (err) {
      throw new ChainfanError('CHAINFAN_RPC_FAILED', `${method}: node answered HTTP ${res.status} without JSON`, { cause: err });
    }
    const r = (typeof reply === 'object' && reply !== null ? reply : {}) as { result?: unknown; error?: { code?: unknown; message?: unknown } | null };
    if (r.error !== undefined && r.error !== null) {
      return { ok: false, code: typeof r.error.code === 'number' ? r.error.code : -1, message: typeof r.error.message === 'string' ? r.error.message.slice(0, 200) : 'error' };
    }
    if (!Object.hasOwn(r, 'result')) throw new ChainfanError('CHAINFAN_RPC_FAILED', `${method}: node answered HTTP ${res.status} without a result`);
    return { ok: true, result: JSON.stringify(r.result ?? null) };
  }
}
