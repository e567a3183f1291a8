import { describe, expect, it } from 'vitest';
import { encodeClientFrame, OPCODE, parseUpgradeResponse, ServerFrameDecoder, upgradeRequest } from './ws-frames.js';

/** A server frame (unmasked), as uWS/ws write them. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65_536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65_536) {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

function collect() {
  const got: { opcode: number; text: string }[] = [];
  const errors: string[] = [];
  const d = new ServerFrameDecoder({
    message: (opcode, buf, start, end) => got.push({ opcode, text: buf.toString('latin1', start, end) }),
    protocolError: (r) => errors.push(r),
  });
  return { d, got, errors };
}

describe('upgrade handshake', () => {
  it('computes the RFC 6455 accept value and checks the answer', () => {
    const up = upgradeRequest('127.0.0.1:1', '/?batch=1', 'dGhlIHNhbXBsZSBub25jZQ==');
    expect(up.expectedAccept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(up.text).toMatch(/^GET \/\?batch=1 HTTP\/1\.1\r\n/);
    expect(up.text.endsWith('\r\n\r\n')).toBe(true);
    const ok = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x02hi', 'latin1');
    expect(parseUpgradeResponse(ok, up.expectedAccept)).toEqual({ state: 'ok', headerBytes: ok.length - 4 });
    expect(parseUpgradeResponse(ok.subarray(0, 20), up.expectedAccept)).toEqual({ state: 'incomplete' });
    expect(parseUpgradeResponse(Buffer.from('HTTP/1.1 503 Busy\r\n\r\n'), up.expectedAccept)).toEqual({ state: 'rejected', status: 'HTTP/1.1 503 Busy' });
    const wrong = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: nope\r\n\r\n');
    expect(parseUpgradeResponse(wrong, up.expectedAccept).state).toBe('rejected');
  });
});

describe('encodeClientFrame', () => {
  it('masks the payload with the key and encodes all three length forms', () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    for (const len of [5, 300, 70_000]) {
      const payload = Buffer.alloc(len, 0x61);
      const f = encodeClientFrame(OPCODE.text, payload, mask);
      expect(f[0]).toBe(0x81);
      expect(f[1]! & 0x80).toBe(0x80);
      const head = len < 126 ? 2 : len < 65_536 ? 4 : 10;
      expect(f.length).toBe(head + 4 + len);
      const body = f.subarray(head + 4);
      expect(Buffer.from(body.map((b, i) => b ^ mask[i & 3]!))).toEqual(payload);
    }
  });
});

describe('ServerFrameDecoder', () => {
  it('decodes several frames in one chunk and frames split at every byte', () => {
    const frames = Buffer.concat([serverFrame(1, Buffer.from('one')), serverFrame(1, Buffer.alloc(200, 0x62)), serverFrame(2, Buffer.alloc(70_000, 0x63))]);
    const whole = collect();
    whole.d.push(frames);
    expect(whole.got.map((g) => [g.opcode, g.text.length])).toEqual([[1, 3], [1, 200], [2, 70_000]]);
    const split = collect();
    for (let i = 0; i < 300; i++) split.d.push(frames.subarray(i, i + 1));
    split.d.push(frames.subarray(300));
    expect(split.got).toEqual(whole.got);
    expect(split.errors).toEqual([]);
  });

  it('reassembles fragments, with a ping delivered between them', () => {
    const c = collect();
    c.d.push(Buffer.concat([serverFrame(1, Buffer.from('hel'), false), serverFrame(9, Buffer.from('p')), serverFrame(0, Buffer.from('lo'), true)]));
    expect(c.got).toEqual([{ opcode: 9, text: 'p' }, { opcode: 1, text: 'hello' }]);
  });

  it('reports masked server frames and stray continuations as protocol errors and stops', () => {
    const masked = collect();
    masked.d.push(Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0x61]));
    expect(masked.errors).toEqual(['masked server frame']);
    const stray = collect();
    stray.d.push(serverFrame(0, Buffer.from('x')));
    stray.d.push(serverFrame(1, Buffer.from('after')));
    expect(stray.errors).toEqual(['continuation without a first fragment']);
    expect(stray.got).toEqual([]);
  });
});
