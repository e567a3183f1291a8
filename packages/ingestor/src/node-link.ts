// The ingestor's view of the node's reachability: RPC calls that keep `node` readiness and
// chainfan_ingestor_node_up current, the backed-off probe, and logging that says an outage once rather than per call.
import { rootCause } from '@chainfan/protocol';
import type { IngestorMetrics } from '@chainfan/telemetry';
import type { Logger } from 'pino';
import { isNodeUnreachable, NodeOutage } from './node-outage.js';
import type { ChainRpc } from './rpc/rpc-client.js';

export interface NodeLinkOptions {
  readonly rpc: ChainRpc;
  readonly log: Logger;
  readonly metrics: IngestorMetrics;
  /** first probe retry delay: the normal probe period */
  readonly baseMs: number;
  readonly now: () => number;
}

export class NodeLink {
  readonly #o: NodeLinkOptions;
  readonly #outage: NodeOutage;
  #reachable = false;

  constructor(o: NodeLinkOptions) {
    this.#o = o;
    this.#outage = new NodeOutage({ url: rpcEndpointOf(o.rpc), log: o.log, baseMs: o.baseMs, now: o.now });
  }

  get reachable(): boolean {
    return this.#reachable;
  }

  /** Keeps `node` readiness and chainfan_ingestor_node_up current, leader or not. */
  async probe(): Promise<void> {
    if (!this.#outage.probeDue()) return; // backing off while the node is down
    try {
      await this.call('getblockcount', []);
    } catch (err) {
      if ((err as { rpcCode?: number }).rpcCode === undefined) this.#outage.failed(err); // an RPC error reply means it is up
    }
  }

  /** The probe reports an outage once per retry; the other periodic calls failing for the same reason stay at debug. */
  warnUnlessOutage(err: unknown, fields: Record<string, unknown>, msg: string): void {
    if (isNodeUnreachable(err)) {
      if (this.#outage.down || !this.#reachable) this.#o.log.debug({ ...fields, cause: rootCause(err) }, msg);
      else this.#o.log.warn({ ...fields, cause: rootCause(err) }, msg);
    } else {
      this.#o.log.warn({ ...fields, err }, msg);
    }
  }

  async call<T>(method: string, params: readonly unknown[]): Promise<T> {
    try {
      const r = await this.#o.rpc.call<T>(method, params);
      this.setReachable(true);
      return r;
    } catch (err) {
      if ((err as { rpcCode?: number }).rpcCode === undefined) this.setReachable(false); // an RPC error reply means it is up
      throw err;
    }
  }

  setReachable(up: boolean): void {
    if (up) this.#outage.recovered();
    this.#reachable = up;
    this.#o.metrics.nodeUp.set(up ? 1 : 0);
  }
}

/** Where the RPC calls go, for logs: the client's URL without credentials, or a name for an in-process node. */
function rpcEndpointOf(rpc: ChainRpc): string {
  const url = (rpc as { readonly endpoint?: unknown }).endpoint;
  return typeof url === 'string' ? url : 'the node (in process)';
}
