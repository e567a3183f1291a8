import { describe, expect, it } from 'vitest';
import { MAX_FRAME_CHARS, decodeServerFrame } from './decode-frame.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('decodeServerFrame', () => {
  it('decodes the evrmore-rpc message shapes', () => {
    const block = { hash: 'ab'.repeat(32), height: 7, tx: [], difficulty: '16307.42' };
    expect(decodeServerFrame(JSON.stringify({ type: 'block', data: block }))).toEqual({ ok: true, value: { type: 'block', data: block } });
    const ack = { type: 'subscription', data: { status: 'success', topic: 'blocks', action: 'subscribe' } };
    expect(decodeServerFrame(JSON.stringify(ack))).toEqual({ ok: true, value: ack });
    const err = { type: 'error', data: { code: 1001, message: 'Invalid topic: x' } };
    expect(decodeServerFrame(JSON.stringify(err))).toEqual({ ok: true, value: err });
    const seq = { type: 'sequence', data: { sequence: 1, hash: '00' } };
    expect(decodeServerFrame(JSON.stringify(seq))).toEqual({ ok: true, value: seq });
  });

  it('accepts binary frames as UTF-8 JSON (ArrayBuffer and Buffer)', () => {
    const text = '{"type":"mempool","data":{"size":3,"bytes":900,"usage":2000}}';
    const u8 = enc(text);
    const ab = u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
    expect(decodeServerFrame(ab)).toMatchObject({ ok: true, value: { type: 'mempool' } });
    expect(decodeServerFrame(Buffer.from(text))).toMatchObject({ ok: true, value: { type: 'mempool' } });
  });

  it('keeps unknown types with their wire type, so switch(type) still narrows', () => {
    expect(decodeServerFrame('{"type":"reorg","data":{"depth":2}}')).toEqual({
      ok: true,
      value: { type: 'unknown', wireType: 'reorg', data: { depth: 2 } },
    });
    expect(decodeServerFrame('{"type":"network","data":null}')).toMatchObject({ ok: true, value: { wireType: 'network', data: null } });
  });

  it('fails with a code, never throws, on malformed input', () => {
    const cases: [unknown, string][] = [
      ['not json', 'FRAME_NOT_JSON'],
      ['[1,2]', 'FRAME_NOT_OBJECT'],
      ['null', 'FRAME_NOT_OBJECT'],
      ['{"data":{}}', 'FRAME_NO_TYPE'],
      ['{"type":5,"data":{}}', 'FRAME_NO_TYPE'],
      ['{"type":"block"}', 'FRAME_NO_DATA'],
      ['{"type":"block","data":{"hash":1,"height":2}}', 'FRAME_BAD_DATA'],
      ['{"type":"error","data":{"code":"1001","message":"x"}}', 'FRAME_BAD_DATA'],
      ['{"type":"subscription","data":{"status":"success","topic":"b","action":"ping"}}', 'FRAME_BAD_DATA'],
      [Uint8Array.of(0xff, 0xfe), 'FRAME_NOT_UTF8'],
      [42, 'FRAME_UNSUPPORTED'],
      ['x'.repeat(MAX_FRAME_CHARS + 1), 'FRAME_TOO_LARGE'],
    ];
    for (const [input, error] of cases) expect(decodeServerFrame(input)).toMatchObject({ ok: false, error });
  });

  it('does not treat inherited keys as message types', () => {
    expect(decodeServerFrame('{"type":"toString","data":1}')).toMatchObject({ ok: true, value: { type: 'unknown', wireType: 'toString' } });
  });
});
