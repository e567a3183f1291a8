// Entry of a shards-bench publisher process: publishes `count` transaction messages flat out through RedisBus on a
// Redis Cluster, each to its txid's partition of the transaction stream. Several run side by side, so one Node
// process is not what limits the publish rate.
import { RedisBus, type RedisTopology } from '@chainfan/bus';
import { txsPartitionOf } from '@chainfan/protocol';
import { txidOf } from './bench-message.js';

export type ShardPublisherCommand = { readonly type: 'fill'; readonly count: number; readonly offset: number; readonly window: number; readonly body: string };
export type ShardPublisherReport =
  | { readonly type: 'ready' }
  | { readonly type: 'filled'; readonly sent: number; readonly failed: number; readonly wallMs: number };

const topology = JSON.parse(process.env['SHARD_PUBLISHER_TOPOLOGY'] ?? 'null') as RedisTopology | null;
if (topology === null) throw new Error('SHARD_PUBLISHER_TOPOLOGY is required');
const partitions = Number(process.env['SHARD_PUBLISHER_TXS_PARTITIONS'] ?? 1);
const bus = new RedisBus({ topology, txsPartitions: partitions, commandTimeoutMs: 10_000 });
await bus.ready(20_000);
const send = (r: ShardPublisherReport): void => void process.send?.(r);

process.on('message', (cmd: ShardPublisherCommand) => {
  if (cmd.type !== 'fill') return;
  void fill(cmd).then(send);
});

async function fill(cmd: ShardPublisherCommand): Promise<ShardPublisherReport> {
  const t0 = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  let failed = 0;
  for (let k = 0; k < cmd.count; k++) {
    const tx = txidOf(cmd.offset + k);
    const p: Promise<unknown> = bus
      .publish({ channel: txsPartitionOf(tx, partitions), kind: 'tx', ts: Date.now(), keys: { tx }, body: cmd.body })
      .catch(() => void failed++) // reported: a failed publish is a visible shortfall in the bench's numbers
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= cmd.window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { type: 'filled', sent: cmd.count, failed, wallMs: performance.now() - t0 };
}

const stop = (): void => void bus.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
send({ type: 'ready' });
