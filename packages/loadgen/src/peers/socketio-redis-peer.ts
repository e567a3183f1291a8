// Peer: Socket.IO with @socket.io/redis-adapter (so rooms span servers, as a scaled deployment runs it) and an
// ioredis subscriber that emits each bus message to the local room once; Socket.IO encodes a broadcast once.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { type PeerServer, TXS_PUBSUB_CHANNEL, wireBody } from './peer.js';

export async function startSocketIoRedisPeer(o: { readonly redisUrl: string; readonly port: number; readonly host?: string }): Promise<PeerServer> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  const pub = new Redis(o.redisUrl);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
  io.on('connection', (socket) => {
    socket.on('subscribe', (topic: unknown, ack?: (r: string) => void) => {
      if (typeof topic !== 'string') return ack?.('bad topic');
      void socket.join(topic);
      ack?.('ok');
    });
  });

  // `io.local`: every server subscribes to the bus itself, so emitting through the adapter would deliver twice
  const events = new Redis(o.redisUrl);
  await events.ssubscribe(TXS_PUBSUB_CHANNEL);
  events.on('smessage', (_channel: string, wire: string) => {
    io.local.to('transactions').emit('transaction', JSON.parse(wireBody(wire)) as unknown);
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = http.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : o.port,
    close: async () => {
      events.disconnect();
      io.disconnectSockets(true);
      await new Promise<void>((r) => io.close(() => r()));
      pub.disconnect();
      sub.disconnect();
    },
  };
}
