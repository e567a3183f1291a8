// Peer: the `ws` library plus an ioredis subscriber, fanning out in a JavaScript loop — the most common hand-rolled
// design. Encodes each message once; `ws` frames and writes it per client.
import { Redis } from 'ioredis';
import { type WebSocket, WebSocketServer } from 'ws';
import { ackFrame, errorFrame, type PeerServer, subscribeTopic, TXS_PUBSUB_CHANNEL, wireBody } from './peer.js';

export async function startWsRedisPeer(o: { readonly redisUrl: string; readonly port: number; readonly host?: string }): Promise<PeerServer> {
  const topics = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ port: o.port, host: o.host ?? '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('connection', (ws) => {
    const mine = new Set<string>();
    ws.on('message', (data) => {
      const topic = subscribeTopic(String(data));
      if (topic === undefined) {
        ws.send(errorFrame('bad command'));
        return;
      }
      let set = topics.get(topic);
      if (set === undefined) topics.set(topic, (set = new Set()));
      set.add(ws);
      mine.add(topic);
      ws.send(ackFrame(topic));
    });
    ws.on('close', () => {
      for (const t of mine) topics.get(t)?.delete(ws);
    });
    ws.on('error', () => ws.terminate());
  });

  const sub = new Redis(o.redisUrl);
  await sub.ssubscribe(TXS_PUBSUB_CHANNEL);
  sub.on('smessage', (_channel: string, wire: string) => {
    const frame = `{"type":"transaction","data":${wireBody(wire)}}`;
    for (const ws of topics.get('transactions') ?? []) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  const addr = wss.address();
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : o.port,
    close: async () => {
      sub.disconnect();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
