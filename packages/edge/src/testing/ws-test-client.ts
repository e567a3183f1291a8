// Test-only WebSocket client (the `ws` package): records every frame and the close, so tests wait on state.
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { waitFor } from '@chainfan/testkit';

export interface Frame {
  readonly text: string;
  readonly json: { type?: unknown; data?: unknown; channel?: unknown; epoch?: unknown; seq?: unknown } | undefined;
  /** just `{type, data}`: what an evrmore-rpc client reads of an event (the position keys left out) */
  readonly event: { type?: unknown; data?: unknown } | undefined;
}

const NOT_EVENTS = new Set<unknown>(['subscription', 'error', 'resync']);

export class WsTestClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      let json: Frame['json'];
      try {
        json = JSON.parse(text) as Frame['json'];
      } catch {
        json = undefined; // the assertion on `json` will say what arrived
      }
      this.frames.push({ text, json, event: json === undefined ? undefined : { type: json.type, data: json.data } });
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on('error', () => {
      // abnormal closes also emit 'close', which is what tests look at
    });
  }

  /** `headers`/`protocols` for admission tests (Authorization, Origin, Sec-WebSocket-Protocol). */
  static connect(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts.protocols ?? [], { maxPayload: 64 * 1024 * 1024, ...(opts.headers === undefined ? {} : { headers: opts.headers }) });
      const client = new WsTestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(frame: string | object | Buffer): void {
    this.#ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** Sends a command and resolves with the next frame of type subscription/error that arrives after it. */
  async command(frame: string | object, timeoutMs = 2_000): Promise<Frame> {
    const from = this.frames.length;
    this.send(frame);
    return waitFor(() => this.frames.slice(from).find((f) => f.json?.type === 'subscription' || f.json?.type === 'error'), { timeoutMs });
  }

  /** Event frames: everything but acks, errors and resync notices. */
  events(type?: string): Frame[] {
    return this.frames.filter((f) => !NOT_EVENTS.has(f.json?.type) && (type === undefined || f.json?.type === type));
  }

  /** The `data` of every resync notice received. */
  resyncs(): Record<string, unknown>[] {
    return this.frames.filter((f) => f.json?.type === 'resync').map((f) => f.json?.data as Record<string, unknown>);
  }

  /** The subprotocol the server picked. */
  get protocol(): string {
    return this.#ws.protocol;
  }

  waitForEvents(n: number, type?: string, timeoutMs = 2_000): Promise<Frame[]> {
    return waitFor(() => (this.events(type).length >= n ? this.events(type) : undefined), { timeoutMs, message: `${n} ${type ?? ''} events` });
  }

  waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { timeoutMs, message: 'close' });
  }

  /** Stops reading from the socket, so the server's send buffer fills up (a slow consumer). */
  pauseReading(): void {
    (this.#ws as unknown as { _socket: Socket })._socket.pause();
  }

  resumeReading(): void {
    (this.#ws as unknown as { _socket: Socket })._socket.resume();
  }

  close(): void {
    this.#ws.close();
  }

  terminate(): void {
    this.#ws.terminate();
  }
}
