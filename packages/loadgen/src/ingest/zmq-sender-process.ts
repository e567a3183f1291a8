// Entry of the node side of the ingest benchmark: a PUB socket sending real `rawtx` notifications (3 frames,
// per-topic counter) from pre-generated transactions, paced or as fast as the socket accepts them, and a node-sim
// answering the ingestor's JSON-RPC (it reconciles at start-up and after gaps).
import { encodeZmqFrames } from '@chainfan/chain';
import { NodeSim } from '@chainfan/node-sim';
import { Publisher } from 'zeromq';
import { baseTransactions, withLockTime } from './raw-txs.js';
import type { SenderCommand, SenderReport } from './ingest-protocol.js';

const BASE_TXS = 500;

const base = baseTransactions(BASE_TXS);
const node = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0 });
const { rpcUrl } = await node.start();
const rpc = new URL(rpcUrl);
rpc.username = 'chainfan';
rpc.password = 'chainfan';
const pub = new Publisher({ sendHighWaterMark: 1_000_000, linger: 0 });
await pub.bind('tcp://127.0.0.1:0');
let counter = 0;
const send = (r: SenderReport): void => void process.send?.(r);

async function run(cmd: Extract<SenderCommand, { type: 'send' }>): Promise<void> {
  // frames are built before the clock starts: the benchmark measures the ingestor, not this process
  const frames = Array.from({ length: cmd.count }, (_, i) => withLockTime(base[i % BASE_TXS]!, cmd.firstLockTime + i));
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    if (cmd.rate > 0) {
      const due = t0 + (i * 1000) / cmd.rate;
      const wait = due - performance.now();
      if (wait > 0.2) await new Promise((r) => setTimeout(r, wait));
    }
    await pub.send(encodeZmqFrames('rawtx', frames[i]!, counter));
    counter = (counter + 1) >>> 0;
  }
  send({ type: 'sent', count: frames.length, wallMs: performance.now() - t0 });
}

process.on('message', (cmd: SenderCommand) => void run(cmd));
process.once('SIGTERM', () => {
  pub.close();
  void node.close().finally(() => process.exit(0));
});
process.once('disconnect', () => process.exit(0));
send({ type: 'ready', endpoint: pub.lastEndpoint ?? '', rpcUrl: rpc.href });
