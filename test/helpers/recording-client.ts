// A plain `ws` client that subscribes and records every frame, for asserting exactly what a client received.
import WebSocket from 'ws';
import { waitFor } from '@chainfan/testkit';

export interface Frame {
  readonly type: string;
  readonly data: unknown;
}

export class RecordingClient {
  readonly messages: Frame[] = [];
  readonly #ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (d) => this.messages.push(JSON.parse(String(d)) as Frame));
  }

  /** Connects and subscribes; resolves once every subscription is acknowledged. */
  static async connect(url: string, topics: readonly string[]): Promise<RecordingClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const c = new RecordingClient(ws);
    for (const topic of topics) ws.send(JSON.stringify({ action: 'subscribe', topic }));
    await waitFor(() => c.messages.filter((m) => m.type === 'subscription').length === topics.length, { message: `subscribe ${topics.join(',')}` });
    return c;
  }

  txids(): string[] {
    return this.messages.filter((m) => m.type === 'transaction').map((m) => (m.data as { txid: string }).txid);
  }

  blockHashes(): string[] {
    return this.messages.filter((m) => m.type === 'block').map((m) => (m.data as { hash: string }).hash);
  }

  close(): void {
    this.#ws.close();
  }
}
