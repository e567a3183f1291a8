// Entry of the ingestor under test: the real Ingestor with its ZMQ source and RedisBus, in its own process, with the
// bus extended to time each transaction from ZMQ receive (the envelope's ts) to Redis's confirmation of the publish.
import { type PublishOptions, type PublishReceipt, RedisBus } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { Ingestor, RpcClient, ZmqChainSource } from '@chainfan/ingestor';
import type { OutgoingEnvelope } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { hrNowMs } from '../bench-message.js';
import { LatencyHistogram } from '../histogram.js';
import type { IngestorCommand, IngestorReport } from './ingest-protocol.js';

/** RedisBus whose `txs` publishes (one per rawtx) are timed from the envelope's ts, stamped at ZMQ receive. */
class TimedRedisBus extends RedisBus {
  readonly histogram = new LatencyHistogram();
  published = 0;
  errors = 0;
  lastConfirmedAt = 0;

  override async publish(msg: OutgoingEnvelope, opts?: PublishOptions): Promise<PublishReceipt> {
    if (msg.channel !== 'txs') return super.publish(msg, opts);
    try {
      const r = await super.publish(msg, opts);
      const now = hrNowMs();
      this.published++;
      this.lastConfirmedAt = now;
      this.histogram.recordMs(now - msg.ts);
      return r;
    } catch (err) {
      this.errors++;
      throw err;
    }
  }
}

const redisUrl = process.env['INGEST_REDIS_URL'];
const zmqEndpoint = process.env['INGEST_ZMQ_ENDPOINT'];
const rpcUrl = process.env['INGEST_RPC_URL'];
if (redisUrl === undefined || zmqEndpoint === undefined || rpcUrl === undefined) {
  throw new Error('INGEST_REDIS_URL, INGEST_ZMQ_ENDPOINT and INGEST_RPC_URL are required');
}

const bus = new TimedRedisBus({ url: redisUrl, historyMaxLen: 10_000 });
await bus.ready(10_000);
const metrics = createIngestorMetrics(createRegistry({ defaultMetrics: false }));
let received = 0;
let firstReceivedAt = 0;
const source = new ZmqChainSource({ endpoints: [zmqEndpoint], topics: ['rawtx'], receiveHighWaterMark: 1_000_000, now: () => {
  const t = hrNowMs();
  if (received++ === 0) firstReceivedAt = t;
  return t;
} });
const ingestor = new Ingestor({
  source,
  // the sender's node-sim answers RPC (reconciliation); the transactions themselves arrive only over ZMQ
  rpc: new RpcClient({ url: rpcUrl, timeoutMs: 5_000 }),
  bus,
  network: NETWORKS['evrmore-main'],
  log: createLogger({ service: 'ingest-bench', level: 'error' }),
  metrics,
  now: hrNowMs,
  mempoolIntervalMs: 0,
  seenCapacity: 1_000_000,
});
await ingestor.start();

const send = (r: IngestorReport): void => void process.send?.(r);
const gaps = async (): Promise<number> => (await metrics.zmqGaps.get()).values.reduce((s, v) => s + v.value, 0);
let gapsAtStart = 0;
const progress = setInterval(() => send({ type: 'progress', published: bus.published, received }), 250);

process.on('message', (cmd: IngestorCommand) => {
  void (async () => {
    if (cmd.type === 'measure-start') {
      await ingestor.idle();
      bus.histogram.reset();
      bus.published = 0;
      bus.errors = 0;
      received = 0;
      gapsAtStart = await gaps();
      send({ type: 'started' });
      return;
    }
    await ingestor.idle();
    send({
      type: 'measured',
      published: bus.published,
      received,
      histogram: bus.histogram.toSparse(),
      spanMs: bus.published > 0 ? bus.lastConfirmedAt - firstReceivedAt : 0,
      zmqGaps: (await gaps()) - gapsAtStart,
      publishErrors: bus.errors,
    });
  })();
});

const stop = (): void => {
  clearInterval(progress);
  void ingestor.close().then(() => bus.close()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3_000).unref();
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
send({ type: 'ready' });
