// Entry of the process that stands in for N edges subscribed to one bus channel: N RedisBus instances (a pub and
// a sub connection each, as an edge holds), each decoding every envelope. Reports what arrived over IPC.
import { RedisBus } from '@chainfan/bus';

const url = process.env['SUBSCRIBERS_REDIS_URL'];
const count = Number(process.env['SUBSCRIBERS_COUNT'] ?? 0);
if (url === undefined) throw new Error('SUBSCRIBERS_REDIS_URL is required');

let received = 0;
const buses = Array.from({ length: count }, () => new RedisBus({ url }));
await Promise.all(buses.map((b) => b.ready(20_000)));
for (const b of buses) b.onMessage(() => void received++);
await Promise.all(buses.map((b) => b.subscribe('txs')));
process.on('message', (m: { type: 'count' }) => {
  if (m.type === 'count') process.send?.({ type: 'count', received });
});
const stop = (): void => {
  void Promise.allSettled(buses.map((b) => b.close())).finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
process.send?.({ type: 'ready' });
