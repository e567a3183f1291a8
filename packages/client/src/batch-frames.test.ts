import { describe, expect, it } from 'vitest';
import { decodeServerFrame } from './decode-frame.js';
import { splitBatchedFrame, withBatchQuery } from './batch-frames.js';

describe('splitBatchedFrame', () => {
  it('splits a newline-delimited frame into its messages, in order', () => {
    const a = JSON.stringify({ type: 'transaction', data: { txid: 'a'.repeat(64) } });
    const b = JSON.stringify({ type: 'block', data: { hash: 'b'.repeat(64), height: 7 } });
    const parts = splitBatchedFrame(`${a}\n${b}`);
    expect(parts).toEqual([a, b]);
    expect(parts.map((p) => decodeServerFrame(p).ok)).toEqual([true, true]);
  });

  it('passes a single message, binary data and anything else through untouched', () => {
    const one = '{"type":"mempool","data":{"size":1}}';
    expect(splitBatchedFrame(one)).toEqual([one]);
    const buf = new ArrayBuffer(4);
    expect(splitBatchedFrame(buf)[0]).toBe(buf);
    expect(splitBatchedFrame(undefined)).toEqual([undefined]);
  });

  it('skips empty lines instead of reporting them as bad frames', () => {
    expect(splitBatchedFrame('{"a":1}\n\n{"b":2}\n')).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('withBatchQuery', () => {
  it('adds batch=1 and keeps the rest of the URL', () => {
    expect(withBatchQuery('ws://127.0.0.1:8765')).toBe('ws://127.0.0.1:8765/?batch=1');
    expect(withBatchQuery('wss://edge.example/evrmore?token=x')).toBe('wss://edge.example/evrmore?token=x&batch=1');
    expect(withBatchQuery('not a url')).toBe('not a url');
  });
});
