// Test double for an edge: a real WebSocket server (ws, port 0) speaking the evrmore-rpc protocol — acks, error
// codes, per-topic delivery — so the hooks are exercised over real sockets.
import { type WebSocket, WebSocketServer } from 'ws';
import { ERROR, parseTopic } from '@chainfan/protocol';

export interface ServerConn {
  readonly socket: WebSocket;
  /** every client frame, parsed */
  readonly frames: unknown[];
  /** canonical keys currently subscribed */
  readonly topics: Set<string>;
  closed: boolean;
}

export class EvrmoreWsServer {
  readonly conns: ServerConn[] = [];
  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (socket) => this.#accept(socket));
  }

  static start(): Promise<EvrmoreWsServer> {
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      const server = new EvrmoreWsServer(wss);
      wss.once('listening', () => resolve(server));
      wss.once('error', reject);
    });
  }

  get url(): string {
    const a = this.wss.address();
    if (typeof a !== 'object' || a === null) throw new Error('not listening');
    return `ws://127.0.0.1:${a.port}/`;
  }

  get open(): ServerConn[] {
    return this.conns.filter((c) => !c.closed);
  }

  /** Sends the event to every open connection subscribed to `topic` (canonical key), once per connection. */
  publish(topic: string, type: string, data: unknown): number {
    let n = 0;
    for (const c of this.open) {
      if (!c.topics.has(topic)) continue;
      c.socket.send(JSON.stringify({ type, data }));
      n++;
    }
    return n;
  }

  /** Closes every connection as a draining edge does (1001: reconnect). */
  dropAll(): void {
    for (const c of this.open) c.socket.close(1001, 'server draining');
  }

  close(): Promise<void> {
    for (const c of this.conns) c.socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  #accept(socket: WebSocket): void {
    const conn: ServerConn = { socket, frames: [], topics: new Set(), closed: false };
    this.conns.push(conn);
    socket.on('close', () => (conn.closed = true));
    socket.on('message', (raw) => {
      let msg: { action?: unknown; topic?: unknown };
      try {
        msg = JSON.parse(String(raw)) as typeof msg;
      } catch {
        socket.send(JSON.stringify({ type: 'error', data: { code: ERROR.invalidJson.code, message: ERROR.invalidJson.message() } }));
        return;
      }
      conn.frames.push(msg);
      const t = parseTopic(msg.topic);
      const ack = (): void => socket.send(JSON.stringify({ type: 'subscription', data: { status: 'success', topic: msg.topic, action: msg.action } }));
      if (msg.action === 'subscribe' && t.ok) {
        conn.topics.add(t.value.key);
        ack();
      } else if (msg.action === 'unsubscribe' && t.ok && conn.topics.delete(t.value.key)) {
        ack();
      } else {
        const e = msg.action === 'subscribe' ? ERROR.invalidTopic : ERROR.notSubscribed;
        socket.send(JSON.stringify({ type: 'error', data: { code: e.code, message: e.message(String(msg.topic)) } }));
      }
    });
  }
}
