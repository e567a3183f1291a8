// What the ingestor publishes, in its own words: new transactions (once each, with their asset events), chain
// events, and awaited publishes for blocks whose checkpoint must not advance past a failure.
import type { PublishReceipt } from '@chainfan/bus';
import type { Network, Transaction } from '@chainfan/chain';
import type { OutgoingEnvelope } from '@chainfan/protocol';
import type { IngestorMetrics } from '@chainfan/telemetry';
import { txEnvelopes } from './events/tx-events.js';
import type { Publisher } from './publisher.js';
import type { RateMeter } from './rate-meter.js';
import type { SeenSet } from './seen-set.js';

export class EventPublisher {
  readonly #publisher: Publisher;
  readonly #seen: SeenSet;
  readonly #network: Network;
  readonly #metrics: IngestorMetrics;
  readonly #txRate: RateMeter | undefined;
  readonly #txsPartitions: number;

  constructor(o: { publisher: Publisher; seen: SeenSet; network: Network; metrics: IngestorMetrics; txRate?: RateMeter; txsPartitions?: number }) {
    this.#txsPartitions = o.txsPartitions ?? 1;
    this.#txRate = o.txRate;
    this.#publisher = o.publisher;
    this.#seen = o.seen;
    this.#network = o.network;
    this.#metrics = o.metrics;
  }

  /**
   * Publishes a transaction the first time it is seen (returns true); announcements after that are counted as
   * duplicates. When the bus refuses it, the txid is forgotten again so a later resync publishes it.
   */
  publishTx(tx: Transaction, receivedAt: number): boolean {
    if (!this.#seen.add(tx.txid)) {
      this.#metrics.duplicates.inc();
      return false;
    }
    this.#txRate?.add();
    const [txEnv, ...assetEnvs] = txEnvelopes(tx, this.#network, receivedAt, undefined, this.#txsPartitions);
    const p = this.#publisher.publish(txEnv!, receivedAt);
    if (p === undefined) this.#seen.delete(tx.txid);
    else void p.then((r) => r === undefined && this.#seen.delete(tx.txid));
    for (const env of assetEnvs) this.#publisher.publish(env, receivedAt);
    return true;
  }

  isSeen(txid: string): boolean {
    return this.#seen.has(txid);
  }

  markSeen(txid: string): void {
    this.#seen.add(txid);
  }

  publish(env: OutgoingEnvelope, receivedAt: number): void {
    this.#publisher.publish(env, receivedAt);
  }

  publishAwaited(env: OutgoingEnvelope, opts: { checkpoint?: string } = {}): Promise<PublishReceipt> {
    return this.#publisher.publishOrThrow(env, env.ts, opts);
  }
}
