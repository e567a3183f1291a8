// The slice of RFC 6455 a load-generating client needs: the upgrade request and its check, masked client frames,
// and an incremental decoder of server frames that hands out payload ranges without copying.
import { createHash, randomBytes } from 'node:crypto';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Largest server frame the decoder accepts; a bigger length field is a protocol error, not an allocation. */
export const MAX_SERVER_FRAME_BYTES = 64 * 1024 * 1024;

export interface UpgradeRequest {
  readonly text: string;
  /** the Sec-WebSocket-Accept value the server must answer with */
  readonly expectedAccept: string;
}

export function upgradeRequest(host: string, path: string, key: string = randomBytes(16).toString('base64')): UpgradeRequest {
  const text =
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  return { text, expectedAccept: createHash('sha1').update(key + WS_GUID).digest('base64') };
}

export type HandshakeResult =
  | { readonly state: 'incomplete' }
  | { readonly state: 'ok'; readonly headerBytes: number }
  | { readonly state: 'rejected'; readonly status: string };

/** Checks the server's answer once `\r\n\r\n` has arrived; `headerBytes` is where WebSocket frames start. */
export function parseUpgradeResponse(buf: Buffer, expectedAccept: string): HandshakeResult {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return buf.length > 16_384 ? { state: 'rejected', status: 'response header too large' } : { state: 'incomplete' };
  const head = buf.toString('latin1', 0, end);
  const lines = head.split('\r\n');
  const status = lines[0] ?? '';
  if (!/^HTTP\/1\.1 101\b/.test(status)) return { state: 'rejected', status };
  const accept = lines.find((l) => l.toLowerCase().startsWith('sec-websocket-accept:'));
  if (accept === undefined || accept.slice(accept.indexOf(':') + 1).trim() !== expectedAccept) {
    return { state: 'rejected', status: 'bad Sec-WebSocket-Accept' };
  }
  return { state: 'ok', headerBytes: end + 4 };
}

/** One client → server frame (FIN set), masked as RFC 6455 §5.3 requires. */
export function encodeClientFrame(opcode: number, payload: Buffer | string, mask: Buffer = randomBytes(4)): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const len = data.length;
  const headLen = len < 126 ? 2 : len < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headLen + 4 + len);
  out[0] = 0x80 | opcode;
  if (len < 126) {
    out[1] = 0x80 | len;
  } else if (len < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  mask.copy(out, headLen, 0, 4);
  for (let i = 0; i < len; i++) out[headLen + 4 + i] = data[i]! ^ mask[i & 3]!;
  return out;
}

export interface FrameSink {
  /**
   * One complete message: `buf[start, end)` is its payload (unfragmented messages point into the received chunk,
   * valid only during the call). Fragmented messages arrive reassembled with opcode of their first frame.
   */
  message(opcode: number, buf: Buffer, start: number, end: number): void;
  /** Malformed stream (masked server frame, oversized length, bad continuation): the caller closes the socket. */
  protocolError(reason: string): void;
}

/**
 * Incremental decoder of server frames: feed it TCP chunks in order. Keeps only an incomplete tail between
 * chunks, so the common case (whole frames in one chunk) never copies.
 */
export class ServerFrameDecoder {
  readonly #sink: FrameSink;
  #tail: Buffer | undefined;
  #fragments: Buffer[] | undefined;
  #fragmentOpcode = 0;
  #failed = false;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  push(chunk: Buffer): void {
    if (this.#failed) return;
    const buf = this.#tail === undefined ? chunk : Buffer.concat([this.#tail, chunk]);
    this.#tail = undefined;
    let pos = 0;
    const n = buf.length;
    while (n - pos >= 2) {
      const b0 = buf[pos]!;
      const b1 = buf[pos + 1]!;
      if ((b1 & 0x80) !== 0) return this.#fail('masked server frame');
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (n - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (len === 127) {
        if (n - pos < 10) break;
        const big = buf.readBigUInt64BE(pos + 2);
        if (big > BigInt(MAX_SERVER_FRAME_BYTES)) return this.#fail('frame too large');
        len = Number(big);
        head = 10;
      }
      if (len > MAX_SERVER_FRAME_BYTES) return this.#fail('frame too large');
      if (n - pos < head + len) break;
      const start = pos + head;
      const end = start + len;
      pos = end;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if (opcode >= 0x8) {
        this.#sink.message(opcode, buf, start, end); // control frames may sit between fragments
      } else if (opcode === OPCODE.continuation) {
        if (this.#fragments === undefined) return this.#fail('continuation without a first fragment');
        this.#fragments.push(Buffer.from(buf.subarray(start, end)));
        if (fin) this.#deliverFragments();
      } else if (!fin) {
        if (this.#fragments !== undefined) return this.#fail('new message inside a fragmented one');
        this.#fragments = [Buffer.from(buf.subarray(start, end))];
        this.#fragmentOpcode = opcode;
      } else {
        if (this.#fragments !== undefined) return this.#fail('new message inside a fragmented one');
        this.#sink.message(opcode, buf, start, end);
      }
      if (this.#failed) return;
    }
    if (pos < n) this.#tail = Buffer.from(buf.subarray(pos)); // copy: the chunk's memory is not ours to keep
  }

  #deliverFragments(): void {
    const whole = Buffer.concat(this.#fragments ?? []);
    this.#fragments = undefined;
    this.#sink.message(this.#fragmentOpcode, whole, 0, whole.length);
  }

  #fail(reason: string): void {
    this.#failed = true;
    this.#tail = undefined;
    this.#sink.protocolError(reason);
  }
}
