// Test-only: the ingestor's ChainRpc answered by the simulated node in-process (no HTTP), errors as RpcClient's.
import type { InProcessNode } from '@chainfan/node-sim';
import { type ChainRpc, type RpcCall, RpcError } from '../rpc/rpc-client.js';

type Settled = { ok: true; result: unknown } | { ok: false; error: RpcError };

export class InProcessRpc implements ChainRpc {
  readonly #node: InProcessNode;
  /** every method called, in order */
  readonly calls: string[] = [];

  constructor(node: InProcessNode) {
    this.#node = node;
  }

  #one(c: RpcCall): Settled {
    this.calls.push(c.method);
    try {
      return { ok: true, result: this.#node.call(c.method, c.params ?? []) };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'number') throw err;
      return { ok: false, error: new RpcError(c.method, code, (err as Error).message) };
    }
  }

  batchSettled(calls: readonly RpcCall[]): Promise<Settled[]> {
    return Promise.resolve(calls.map((c) => this.#one(c)));
  }

  async batch(calls: readonly RpcCall[]): Promise<unknown[]> {
    return (await this.batchSettled(calls)).map((r) => {
      if (!r.ok) throw r.error;
      return r.result;
    });
  }

  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const [r] = await this.batch([{ method, params }]);
    return r as T;
  }
}
