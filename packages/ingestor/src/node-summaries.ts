// The leader's periodic node summaries: `mempool`, `network` and `peers`, one RPC round per period whatever the
// number of clients (edges fan the result out). Failures are logged through the NodeLink, never thrown.
import type { Network } from '@chainfan/chain';
import type { ChainFollower } from './chain-follower.js';
import type { EventPublisher } from './event-publisher.js';
import { networkEnvelope, peersEnvelope, peersFromRpc } from './events/network-events.js';
import type { NodeLink } from './node-link.js';
import type { RateMeter } from './rate-meter.js';
import type { ChainRpc } from './rpc/rpc-client.js';
import { TrafficMeter } from './traffic-meter.js';

export interface NodeSummariesOptions {
  readonly rpc: ChainRpc;
  readonly node: NodeLink;
  readonly events: EventPublisher;
  readonly follower: ChainFollower;
  readonly txRate: RateMeter;
  readonly network: Network;
  readonly now: () => number;
}

export class NodeSummaries {
  readonly #o: NodeSummariesOptions;
  readonly #traffic = new TrafficMeter();

  constructor(o: NodeSummariesOptions) {
    this.#o = o;
  }

  async publishMempool(): Promise<void> {
    try {
      const info = await this.#o.node.call<Record<string, unknown>>('getmempoolinfo', []);
      const ts = this.#o.now();
      this.#o.events.publish({ channel: 'mempool', kind: 'mempool', ts, body: JSON.stringify({ size: info['size'], bytes: info['bytes'], usage: info['usage'] }) }, ts);
    } catch (err) {
      this.#o.node.warnUnlessOutage(err, { event: 'mempool.poll_failed' }, 'mempool poll failed');
    }
  }

  /** One RPC batch per period, whatever the number of clients: edges fan the result out. */
  async publishNetwork(): Promise<void> {
    try {
      const [chainR, netR, mempoolR, totalsR] = await this.#o.rpc.batchSettled([
        { method: 'getblockchaininfo' }, { method: 'getnetworkinfo' }, { method: 'getmempoolinfo' }, { method: 'getnettotals' },
      ]);
      // the first three are required; getnettotals is a bonus (bandwidth stays null on a node without it)
      for (const r of [chainR, netR, mempoolR]) if (r === undefined || !r.ok) throw r?.ok === false ? r.error : new Error('short RPC batch reply');
      const [chain, net, mempool] = [chainR, netR, mempoolR].map((r) => (r as { result: unknown }).result as Record<string, unknown>);
      const bandwidth = totalsR?.ok === true ? this.#traffic.sample(totalsR.result) : undefined;
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      const ts = this.#o.now();
      this.#o.events.publish(
        networkEnvelope(
          {
            height: num(chain!['blocks']),
            best_block_hash: String(chain!['bestblockhash'] ?? ''),
            difficulty: num(chain!['difficulty']),
            connections: num(net!['connections']),
            mempool_size: num(mempool!['size']),
            mempool_bytes: num(mempool!['bytes']),
            tps: Math.round(this.#o.txRate.rate() * 100) / 100,
            block_interval_s: this.#o.follower.meanBlockInterval(),
            network: String(chain!['chain'] ?? this.#o.network.name),
            subversion: String(net!['subversion'] ?? ''),
            bandwidth_in: bandwidth?.in ?? null,
            bandwidth_out: bandwidth?.out ?? null,
          },
          ts,
        ),
        ts,
      );
      this.#o.node.setReachable(true);
    } catch (err) {
      this.#o.node.warnUnlessOutage(err, { event: 'network.poll_failed' }, 'network summary failed');
    }
  }

  async publishPeers(): Promise<void> {
    try {
      const peers = peersFromRpc(await this.#o.node.call('getpeerinfo', []));
      const ts = this.#o.now();
      this.#o.events.publish(peersEnvelope(peers, ts), ts);
    } catch (err) {
      this.#o.node.warnUnlessOutage(err, { event: 'peers.poll_failed' }, 'peer list failed');
    }
  }
}
