// ZMQ frame and `sequence` body decoding: the node's 3-frame layout, the tolerated 2-frame form, coded failures.
import { describe, expect, it } from 'vitest';
import { hexToBytes } from './bytes.js';
import { decodeSequenceBody, decodeZmqFrames, encodeZmqFrames } from './zmq.js';

const hash = hexToBytes('00000000000754c51d0b90c8fc5b030e45d69c283f90f9f0bf1ff9db18408cb9');

describe('ZMQ frames', () => {
  it('round-trips topic, body and the little-endian counter', () => {
    const frames = encodeZmqFrames('hashblock', hash, 0x01020304);
    expect([...frames[2]]).toEqual([4, 3, 2, 1]);
    const d = decodeZmqFrames(frames);
    expect(d.ok && d.value).toEqual({ topic: 'hashblock', body: hash, sequence: 0x01020304 });
  });

  it('tolerates two frames (no counter) and refuses other shapes with codes', () => {
    expect(decodeZmqFrames([new TextEncoder().encode('rawtx'), hash])).toMatchObject({ ok: true, value: { sequence: undefined } });
    expect(decodeZmqFrames([hash])).toMatchObject({ ok: false, error: 'ZMQ_PART_COUNT' });
    expect(decodeZmqFrames([...encodeZmqFrames('rawtx', hash, 1), hash])).toMatchObject({ ok: false, error: 'ZMQ_PART_COUNT' });
    expect(decodeZmqFrames([new TextEncoder().encode('rawtx'), hash, Uint8Array.of(1, 2, 3)])).toMatchObject({ ok: false, error: 'ZMQ_SEQ_LENGTH' });
    expect(decodeZmqFrames([new Uint8Array(0), hash, new Uint8Array(4)])).toMatchObject({ ok: false, error: 'ZMQ_TOPIC_LENGTH' });
    expect(decodeZmqFrames([Uint8Array.of(0x72, 0), hash, new Uint8Array(4)])).toMatchObject({ ok: false, error: 'ZMQ_TOPIC_CHARS' });
  });

  it('reads the counter from an unaligned view', () => {
    const buf = new Uint8Array(9);
    buf.set([0xff, 0xff, 0xff, 0xff], 5);
    expect(decodeZmqFrames([new TextEncoder().encode('rawtx'), hash, buf.subarray(5)])).toMatchObject({ ok: true, value: { sequence: 0xffffffff } });
  });
});

describe('sequence bodies', () => {
  it('decodes block and mempool events', () => {
    expect(decodeSequenceBody(Uint8Array.of(...hash, 0x43))).toEqual({ ok: true, value: { hash: '00000000000754c51d0b90c8fc5b030e45d69c283f90f9f0bf1ff9db18408cb9', label: 'C' } });
    const a = decodeSequenceBody(Uint8Array.of(...hash, 0x41, 7, 0, 0, 0, 0, 0, 0, 1));
    expect(a.ok && a.value.mempoolSequence).toBe(0x0100000000000007n);
  });

  it('refuses wrong lengths and labels', () => {
    expect(decodeSequenceBody(Uint8Array.of(...hash, 0x41))).toMatchObject({ ok: false, error: 'SEQ_BODY_LENGTH' });
    expect(decodeSequenceBody(Uint8Array.of(...hash, 0x43, 0, 0, 0, 0, 0, 0, 0, 0))).toMatchObject({ ok: false, error: 'SEQ_BODY_LENGTH' });
    expect(decodeSequenceBody(Uint8Array.of(...hash, 0x58))).toMatchObject({ ok: false, error: 'SEQ_BODY_LABEL' });
    expect(decodeSequenceBody(hash)).toMatchObject({ ok: false, error: 'SEQ_BODY_LENGTH' });
  });
});
