// Peer and ceiling: a bare uWebSockets.js server whose messages are generated in-process (no bus, no Redis) and
// handed to app.publish — the most this stack can deliver on this machine, one frame per message.
import uWS from 'uWebSockets.js';
import { BenchBodies } from '../bench-message.js';
import { type PacerHandle, startPacer } from '../pacer.js';
import { ackFrame, errorFrame, type PeerServer, subscribeTopic } from './peer.js';

export interface UwsCeilingPeer extends PeerServer {
  /** Starts generating `rate` messages per second into topic `transactions`. */
  startPublishing(rate: number, bodyBytes: number): void;
  /** Stops generating; returns what was sent and how far the generator fell behind its schedule. */
  stopPublishing(): { sent: number; behind: number };
}

export async function startUwsCeilingPeer(o: { readonly port: number; readonly host?: string }): Promise<UwsCeilingPeer> {
  const app = uWS.App();
  app.ws('/*', {
    idleTimeout: 120,
    maxBackpressure: 2 * 1024 * 1024, // the chainfan edge's hard cap with its default policy limit
    compression: uWS.DISABLED,
    message: (ws, msg) => {
      const topic = subscribeTopic(Buffer.from(msg).toString());
      if (topic === undefined) {
        ws.send(errorFrame('bad command'));
        return;
      }
      ws.subscribe(topic);
      ws.send(ackFrame(topic));
    },
  });
  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(o.host ?? '127.0.0.1', o.port, (s) => (s === false ? reject(new Error(`cannot listen on ${o.port}`)) : resolve(s)));
  });
  let pacer: PacerHandle | undefined;
  return {
    port: uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket),
    startPublishing(rate, bodyBytes) {
      pacer?.stop();
      const bodies = new BenchBodies(bodyBytes);
      // stamped with the due time, as the bench publisher does: if this process is too busy to generate on time,
      // the delay is latency, exactly as it is for a server whose messages wait in its Redis socket
      pacer = startPacer(rate, (i, due) => {
        app.publish('transactions', `{"type":"transaction","data":${bodies.body(i, due)}}`, false);
      });
    },
    stopPublishing() {
      const p = pacer;
      pacer = undefined;
      p?.stop();
      return { sent: p?.sent ?? 0, behind: p?.behind ?? 0 };
    },
    close: async () => {
      pacer?.stop();
      uWS.us_listen_socket_close(listenSocket);
      app.close();
    },
  };
}
