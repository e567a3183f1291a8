import { describe, expect, it } from 'vitest';
import { findStamp, readDecimal, scanPayload, type StampSink } from './message-scan.js';
import { BenchBodies } from './bench-message.js';

const sink = (): StampSink & { stamps: number[] } => {
  const stamps: number[] = [];
  return { stamps, stamp: (t) => stamps.push(t) };
};
const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('message scanning', () => {
  const body = new BenchBodies(256).body(7, 1_764_000_000_123.456);

  it('finds the stamp inside every wire wrapping the targets use', () => {
    const frames = [
      `{"type":"transaction","data":${body}}`,
      `{"type":"transaction","channel":"txs","epoch":"1764054321123456","seq":1234567,"data":${body}}`,
      `42["transaction",${body}]`,
    ];
    for (const f of frames) {
      const s = sink();
      expect(scanPayload(b(f), 0, Buffer.byteLength(f), false, s)).toBe(1);
      expect(s.stamps[0]).toBeCloseTo(1_764_000_000_123.456, 3);
    }
  });

  it('counts each line of a batched payload and none of an ack', () => {
    const batch = b(`${body}\n${body}\n${body}`);
    const s = sink();
    expect(scanPayload(batch, 0, batch.length, true, s)).toBe(3);
    expect(s.stamps).toHaveLength(3);
    const ack = b('{"type":"subscription","data":{"status":"success","topic":"transactions","action":"subscribe"}}');
    expect(scanPayload(ack, 0, ack.length, true, sink())).toBe(0);
    expect(scanPayload(ack, 0, ack.length, false, sink())).toBe(0);
  });

  it('stays inside the given range of a larger buffer', () => {
    const f = b(`xx${body}yy${body}`);
    const s = sink();
    expect(scanPayload(f, 2, 2 + Buffer.byteLength(body), false, s)).toBe(1);
    expect(findStamp(f, 0, 5)).toBe(-1);
  });

  it('reads plain decimals and refuses what is not a number', () => {
    const n = (s: string): number => readDecimal(b(s), 0, s.length);
    expect(n('123.5,')).toBe(123.5);
    expect(n('-2')).toBe(-2);
    expect(n('17}')).toBe(17);
    expect(Number.isNaN(n('"x"'))).toBe(true);
  });
});
