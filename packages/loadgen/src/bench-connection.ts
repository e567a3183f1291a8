// One load-generating WebSocket client over a bare TCP socket: upgrade, subscribe through its ClientProtocol, then
// count bench messages straight from the received bytes. No per-message allocation, so that one loadgen process
// can absorb hundreds of thousands of deliveries per second and the servers, not the loadgen, set the numbers.
import { connect, type Socket } from 'node:net';
import type { ClientProtocol } from './client-protocols.js';
import { type StampSink, scanPayload } from './message-scan.js';
import { encodeClientFrame, OPCODE, parseUpgradeResponse, ServerFrameDecoder, upgradeRequest } from './ws-frames.js';

export type ConnectionState = 'connecting' | 'upgrading' | 'subscribing' | 'subscribed' | 'closed';

export interface ConnectionObserver extends StampSink {
  /** set before each chunk is scanned: the receive instant of every message in it (ms, hrNowMs clock) */
  now: number;
  subscribed(c: BenchConnection): void;
  /** before subscribed: connect error, rejected upgrade, refused subscribe, protocol error or early close */
  failed(c: BenchConnection, reason: string): void;
  /** after subscribed: the connection ended without close() being called */
  dropped(c: BenchConnection, reason: string): void;
}

export interface BenchConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** source address (127.0.0.x spreads connections beyond one address's ~28,000 ephemeral ports) */
  readonly localAddress?: string;
  readonly protocol: ClientProtocol;
  readonly observer: ConnectionObserver;
  /** read once per received chunk into observer.now (hrNowMs in the worker) */
  readonly clock: () => number;
  /** not subscribed by then: fails with 'subscribe timeout' (a SYN lost to a full backlog retries for minutes) */
  readonly subscribeTimeoutMs: number;
}

const CLOSE_NORMAL = Buffer.from([0x03, 0xe8]);
const READ_BUFFER_BYTES = 256 * 1024;
let readBuffer: Buffer | undefined;

function sharedReadBuffer(): Buffer {
  readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return readBuffer;
}

export class BenchConnection {
  readonly #o: BenchConnectionOptions;
  readonly #socket: Socket;
  readonly #expectedAccept: string;
  #state: ConnectionState = 'connecting';
  #pending: Buffer | undefined;
  #closing = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #decoder: ServerFrameDecoder;
  readonly #send = (text: string): void => {
    if (!this.#socket.destroyed) this.#socket.write(encodeClientFrame(OPCODE.text, text));
  };

  constructor(o: BenchConnectionOptions) {
    this.#o = o;
    const up = upgradeRequest(`${o.host}:${o.port}`, o.protocol.path);
    this.#expectedAccept = up.expectedAccept;
    this.#decoder = new ServerFrameDecoder({
      message: (opcode, buf, start, end) => this.#onMessage(opcode, buf, start, end),
      protocolError: (reason) => this.#end(`protocol error: ${reason}`),
    });
    const s = connect({
      host: o.host,
      port: o.port,
      noDelay: true,
      ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }),
      // reads land in one buffer shared by every connection of the process (callbacks never overlap), with no
      // stream machinery and no allocation per read: the cheapest receive path Node offers
      onread: {
        buffer: sharedReadBuffer(),
        callback: (n: number, buf: Uint8Array) => {
          this.#onData(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true;
        },
      },
    });
    this.#socket = s;
    s.on('connect', () => {
      this.#state = 'upgrading';
      s.write(up.text);
    });
    s.on('error', (err) => this.#end(`socket error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    s.on('close', () => this.#end('closed by peer'));
    this.#timer = setTimeout(() => this.#end('subscribe timeout'), o.subscribeTimeoutMs);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Sends a close frame and ends the socket; no observer callback follows. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#closing = true;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    if (!this.#socket.destroyed) this.#socket.end(encodeClientFrame(OPCODE.close, CLOSE_NORMAL));
    this.#socket.destroySoon();
  }

  /** Drops the TCP connection without a close frame. */
  destroy(): void {
    this.#closing = true;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#state === 'upgrading') {
      const buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
      const r = parseUpgradeResponse(buf, this.#expectedAccept);
      if (r.state === 'incomplete') {
        this.#pending = Buffer.from(buf); // the read buffer is reused by the next read
        return;
      }
      this.#pending = undefined;
      if (r.state === 'rejected') return this.#end(`upgrade rejected: ${r.status}`);
      this.#state = 'subscribing';
      this.#o.protocol.onOpen(this.#send);
      if (r.headerBytes < buf.length) this.#feed(buf.subarray(r.headerBytes));
      return;
    }
    this.#feed(chunk);
  }

  #feed(chunk: Buffer): void {
    this.#o.observer.now = this.#o.clock();
    this.#decoder.push(chunk);
  }

  #onMessage(opcode: number, buf: Buffer, start: number, end: number): void {
    switch (opcode) {
      case OPCODE.text:
      case OPCODE.binary: {
        if (scanPayload(buf, start, end, this.#o.protocol.batched, this.#o.observer) > 0) return;
        const outcome = this.#o.protocol.onControl(buf.toString('utf8', start, end), this.#send);
        if (this.#state !== 'subscribing') return;
        if (outcome === 'subscribed') {
          this.#state = 'subscribed';
          clearTimeout(this.#timer);
          this.#timer = undefined;
          this.#o.observer.subscribed(this);
        } else if (outcome === 'refused') {
          this.#end(`subscribe refused: ${buf.toString('utf8', start, Math.min(end, start + 200))}`);
        }
        return;
      }
      case OPCODE.ping:
        if (!this.#socket.destroyed) this.#socket.write(encodeClientFrame(OPCODE.pong, Buffer.from(buf.subarray(start, end))));
        return;
      case OPCODE.close:
        this.#end(`close frame ${end - start >= 2 ? buf.readUInt16BE(start) : 1005}`);
        return;
      default:
        return; // pong or reserved opcodes: nothing to do
    }
  }

  #end(reason: string): void {
    if (this.#state === 'closed') return;
    const was = this.#state;
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#socket.destroy();
    if (this.#closing) return;
    if (was === 'subscribed') this.#o.observer.dropped(this, reason);
    else this.#o.observer.failed(this, reason);
  }
}
