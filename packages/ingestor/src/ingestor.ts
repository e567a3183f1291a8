// The ingestor pipeline: ChainSource notifications → local decode → enrichment (blocks only) → routing keys →
// ordered publish. Transactions are decoded from rawtx/rawblock; no RPC call per transaction.
import type { Bus } from '@chainfan/bus';
import { type Block, type Network, bytesToHex, decodeBlock, decodeSequenceBody, decodeTx } from '@chainfan/chain';
import type { IngestorMetrics } from '@chainfan/telemetry';
import type { Logger } from 'pino';
import { blockEnvelope, contextFromHeader } from './events/block-events.js';
import { txEnvelopes } from './events/tx-events.js';
import { Publisher } from './publisher.js';
import type { RpcClient } from './rpc/rpc-client.js';
import { SeenSet } from './seen-set.js';
import type { ChainNotification, ChainSource, NotificationTopic } from './source/chain-source.js';

export interface IngestorOptions {
  readonly source: ChainSource;
  readonly rpc: RpcClient;
  readonly bus: Bus;
  readonly network: Network;
  readonly log: Logger;
  readonly metrics: IngestorMetrics;
  readonly now?: () => number;
  /** how often to publish the mempool summary (getmempoolinfo); 0 disables it */
  readonly mempoolIntervalMs?: number;
  readonly seenCapacity?: number;
  readonly maxInFlight?: number;
  /** blocks waiting for enrichment; beyond it blocks are dropped and counted */
  readonly maxPendingBlocks?: number;
}

export interface IngestorStatus {
  readonly nodeReachable: boolean;
  readonly busUp: boolean;
  readonly lastNotificationAt: number | undefined;
  readonly tip: { height: number; hash: string } | undefined;
}

export class Ingestor {
  readonly #o: IngestorOptions;
  readonly #now: () => number;
  readonly #seen: SeenSet;
  readonly #publisher: Publisher;
  readonly #log: Logger;
  readonly #lastSeq = new Map<NotificationTopic, number>();
  #blockChain: Promise<void> = Promise.resolve();
  #pendingBlocks = 0;
  #nodeReachable = false;
  #lastNotificationAt: number | undefined;
  #tip: { height: number; hash: string } | undefined;
  #mempoolTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(o: IngestorOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#seen = new SeenSet(o.seenCapacity ?? 200_000);
    this.#log = o.log;
    this.#publisher = new Publisher({ bus: o.bus, metrics: o.metrics, log: o.log, maxInFlight: o.maxInFlight ?? 50_000, now: this.#now });
  }

  async start(): Promise<void> {
    const { source, bus, metrics } = this.#o;
    metrics.busUp.set(bus.state === 'up' ? 1 : 0);
    bus.onStateChange((s) => metrics.busUp.set(s === 'up' ? 1 : 0));
    source.onInvalid((e) => {
      metrics.decodeErrors.inc({ topic: 'frame' });
      this.#log.warn({ event: 'zmq.invalid', error: e }, 'invalid ZMQ message');
    });
    source.onNotification((n) => this.#onNotification(n));
    await source.start();
    await this.#probeNode();
    const every = this.#o.mempoolIntervalMs ?? 5_000;
    if (every > 0) {
      this.#mempoolTimer = setInterval(() => void this.#publishMempool(), every);
      this.#mempoolTimer.unref();
    }
    this.#log.info({ event: 'ingestor.started', network: this.#o.network.name }, 'ingestor started');
  }

  status(): IngestorStatus {
    return { nodeReachable: this.#nodeReachable, busUp: this.#o.bus.state === 'up', lastNotificationAt: this.#lastNotificationAt, tip: this.#tip };
  }

  /** Resolves when every block queued so far is published and nothing is in flight. */
  async idle(): Promise<void> {
    await this.#blockChain;
    await this.#publisher.idle();
  }

  #onNotification(n: ChainNotification): void {
    const m = this.#o.metrics;
    m.zmqMessages.inc({ topic: n.topic });
    this.#lastNotificationAt = n.receivedAt;
    m.lastNotificationSeconds.set(n.receivedAt / 1000);
    this.#trackSequence(n);
    switch (n.topic) {
      case 'rawtx': {
        const d = decodeTx(n.body);
        if (!d.ok) {
          m.decodeErrors.inc({ topic: n.topic });
          return;
        }
        this.#publishTx(d.value, n.receivedAt);
        return;
      }
      case 'rawblock': {
        const d = decodeBlock(n.body, this.#o.network);
        if (!d.ok) {
          m.decodeErrors.inc({ topic: n.topic });
          return;
        }
        // rawtx for a block's transactions normally arrives first; any the ZMQ socket dropped go out now.
        for (const tx of d.value.txs) this.#publishTx(tx, n.receivedAt);
        this.#queueBlock(d.value, n.receivedAt);
        return;
      }
      case 'sequence': {
        const d = decodeSequenceBody(n.body);
        // evrmore-rpc 1.2.1 forwarded {sequence: <frame counter>, hash: <hex of the whole body>}; keep those two keys.
        const extra = d.ok ? { label: d.value.label, id: d.value.hash, ...(d.value.mempoolSequence !== undefined ? { mempool_sequence: Number(d.value.mempoolSequence) } : {}) } : {};
        this.#publisher.publish({ channel: 'sequence', kind: 'sequence', ts: n.receivedAt, body: JSON.stringify({ sequence: n.sequence ?? null, hash: bytesToHex(n.body), ...extra }) }, n.receivedAt);
        return;
      }
      case 'hashblock':
      case 'hashtx':
        return; // the raw topics carry everything; hash topics only feed sequence tracking
    }
  }

  #trackSequence(n: ChainNotification): void {
    if (n.sequence === undefined) return;
    const last = this.#lastSeq.get(n.topic);
    this.#lastSeq.set(n.topic, n.sequence);
    if (last !== undefined && n.sequence !== ((last + 1) >>> 0)) {
      this.#o.metrics.zmqGaps.inc({ topic: n.topic });
      this.#log.warn({ event: 'zmq.gap', topic: n.topic, last, got: n.sequence }, 'ZMQ sequence gap');
    }
  }

  #publishTx(tx: Parameters<typeof txEnvelopes>[0], receivedAt: number): void {
    if (!this.#seen.add(tx.txid)) {
      this.#o.metrics.duplicates.inc();
      return;
    }
    for (const env of txEnvelopes(tx, this.#o.network, receivedAt)) this.#publisher.publish(env, receivedAt);
  }

  #queueBlock(block: Block, receivedAt: number): void {
    const max = this.#o.maxPendingBlocks ?? 1_000;
    if (this.#pendingBlocks >= max) {
      this.#o.metrics.publishErrors.inc({ channel: 'blocks', reason: 'overflow' });
      this.#log.error({ event: 'block.dropped', hash: block.header.hash }, 'too many blocks waiting for enrichment');
      return;
    }
    this.#pendingBlocks++;
    this.#blockChain = this.#blockChain.then(async () => {
      try {
        await this.#publishBlock(block, receivedAt);
      } catch (err) {
        this.#o.metrics.publishErrors.inc({ channel: 'blocks', reason: 'enrich' });
        this.#log.error({ event: 'block.enrich_failed', hash: block.header.hash, err }, 'block enrichment failed');
      } finally {
        this.#pendingBlocks--;
      }
    });
  }

  async #publishBlock(block: Block, receivedAt: number): Promise<void> {
    const hash = block.header.hash;
    const reply = await this.#rpc('getblockheader', [hash, true]);
    const ctx = contextFromHeader(reply);
    if (ctx === undefined) throw new Error(`getblockheader ${hash}: unexpected reply`);
    await this.#publisher.publish(blockEnvelope(block, this.#o.network, ctx, receivedAt), receivedAt);
    this.#tip = { height: ctx.height, hash };
    this.#o.metrics.tipHeight.set(ctx.height);
  }

  async #publishMempool(): Promise<void> {
    try {
      const info = (await this.#rpc('getmempoolinfo', [])) as Record<string, unknown>;
      const ts = this.#now();
      this.#publisher.publish({ channel: 'mempool', kind: 'mempool', ts, body: JSON.stringify({ size: info['size'], bytes: info['bytes'], usage: info['usage'] }) }, ts);
    } catch (err) {
      this.#log.warn({ event: 'mempool.poll_failed', err }, 'mempool poll failed');
    }
  }

  async #probeNode(): Promise<void> {
    try {
      await this.#rpc('getblockcount', []);
    } catch (err) {
      this.#log.warn({ event: 'node.unreachable', err }, 'node RPC unreachable at start-up; will keep trying');
    }
  }

  async #rpc(method: string, params: readonly unknown[]): Promise<unknown> {
    try {
      const r = await this.#o.rpc.call(method, params);
      this.#setNode(true);
      return r;
    } catch (err) {
      if ((err as { code?: string }).code !== 'CHAINFAN_RPC_FAILED' || (err as { rpcCode?: number }).rpcCode === undefined) this.#setNode(false);
      throw err;
    }
  }

  #setNode(up: boolean): void {
    this.#nodeReachable = up;
    this.#o.metrics.nodeUp.set(up ? 1 : 0);
  }

  /** Stops intake, lets queued work finish (bounded by the caller's bus close), idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#mempoolTimer) clearInterval(this.#mempoolTimer);
      await this.#o.source.close();
      await this.idle();
    })();
    return this.#closing;
  }
}
