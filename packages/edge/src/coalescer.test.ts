import { describe, expect, it } from 'vitest';
import { ManualClock } from '@chainfan/protocol';
import { FrameCoalescer, withoutNewlines } from './coalescer.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const text = (u: Uint8Array): string => Buffer.from(u).toString('utf8');

function setup(o: { windowMs?: number; maxBytes?: number; maxPendingBytes?: number } = {}) {
  const timers = new ManualClock();
  const out: [string, string][] = [];
  const c = new FrameCoalescer({
    windowMs: o.windowMs ?? 2,
    maxBytes: o.maxBytes ?? 1_000,
    clock: timers,
    publish: (topic, frame) => out.push([topic, text(frame)]),
    ...(o.maxPendingBytes === undefined ? {} : { maxPendingBytes: o.maxPendingBytes }),
  });
  return { c, timers, out };
}

describe('FrameCoalescer', () => {
  it('holds at most maxPendingBytes over all topics: past it every batch leaves at once', () => {
    const { c, out } = setup({ maxBytes: 1_000, maxPendingBytes: 2_500 });
    for (let i = 0; i < 5; i++) c.add(`t${i}`, bytes('x'.repeat(600)));
    expect(out.map(([t]) => t)).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(c.pendingBytes).toBe(0);
    c.add('t0', bytes('y'.repeat(10)));
    expect(c.pendingBytes).toBe(10);
    expect(c.pendingBytesOf('t0')).toBe(10);
  });

  it('sends the frames of one window as one newline-delimited frame, in order', () => {
    const { c, timers, out } = setup();
    c.add('t', bytes('{"a":1}'));
    c.add('t', bytes('{"a":2}'));
    c.add('t', bytes('{"a":3}'));
    expect(out).toEqual([]);
    timers.fireAll();
    expect(out).toEqual([['t', '{"a":1}\n{"a":2}\n{"a":3}']]);
    expect(c.pendingTopics).toBe(0);
  });

  it('passes a lone frame through as the same bytes', () => {
    const sent: Uint8Array[] = [];
    const timers = new ManualClock();
    const c = new FrameCoalescer({ windowMs: 2, maxBytes: 100, clock: timers, publish: (_t, f) => sent.push(f) });
    const frame = bytes('{"only":true}');
    c.add('t', frame);
    timers.fireAll();
    expect(sent).toEqual([frame]);
    expect(sent[0]).toBe(frame);
  });

  it('keeps one batch per topic and arms a single timer per window', () => {
    const { c, timers, out } = setup();
    c.add('x', bytes('1'));
    c.add('y', bytes('2'));
    c.add('x', bytes('3'));
    expect(timers.scheduled).toBe(1);
    timers.fireAll();
    expect(out).toEqual([['x', '1\n3'], ['y', '2']]);
    c.add('x', bytes('4'));
    expect(timers.scheduled).toBe(2);
  });

  it('sends a batch early rather than let it pass the byte budget', () => {
    const { c, timers, out } = setup({ maxBytes: 10 });
    c.add('t', bytes('aaaa'));
    c.add('t', bytes('bbbb')); // 4 + 1 + 4 = 9 bytes: fits
    c.add('t', bytes('cc')); // would make 12: the first two leave now
    expect(out).toEqual([['t', 'aaaa\nbbbb']]);
    timers.fireAll();
    expect(out).toEqual([['t', 'aaaa\nbbbb'], ['t', 'cc']]);
  });

  it('sends at once a batch that reached the budget, and a frame bigger than the budget alone', () => {
    const { c, out } = setup({ maxBytes: 5 });
    c.add('t', bytes('12345'));
    expect(out).toEqual([['t', '12345']]);
    c.add('t', bytes('123456789'));
    expect(out).toEqual([['t', '12345'], ['t', '123456789']]);
  });

  it('flushTopic sends one topic now and cancels the timer when nothing else waits', () => {
    const { c, timers, out } = setup();
    c.add('t', bytes('1'));
    c.add('u', bytes('2'));
    c.flushTopic('t');
    expect(out).toEqual([['t', '1']]);
    expect(timers.pending().length).toBe(1);
    c.flushTopic('u');
    expect(timers.pending().length).toBe(0);
    c.flushTopic('nothing-waiting');
    expect(out).toEqual([['t', '1'], ['u', '2']]);
  });

  it('turns a raw LF inside a frame into a space, so LF only ever separates messages', () => {
    const { c, timers, out } = setup();
    c.add('t', bytes('{"a":\n1}'));
    c.add('t', bytes('{"b":2}'));
    timers.fireAll();
    expect(out).toEqual([['t', '{"a": 1}\n{"b":2}']]);
    expect(out[0]![1].split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ a: 1 }, { b: 2 }]);
    const clean = bytes('{"c":3}');
    expect(withoutNewlines(clean)).toBe(clean);
  });

  it('close() flushes what waits, then publishes each frame as it comes', () => {
    const { c, timers, out } = setup();
    c.add('t', bytes('1'));
    c.close();
    expect(out).toEqual([['t', '1']]);
    c.add('t', bytes('2'));
    expect(out).toEqual([['t', '1'], ['t', '2']]);
    expect(timers.pending().length).toBe(0);
  });

  it('refuses a window or budget that makes no sense', () => {
    const timers = new ManualClock();
    expect(() => new FrameCoalescer({ windowMs: 0, maxBytes: 10, clock: timers, publish: () => undefined })).toThrow(RangeError);
    expect(() => new FrameCoalescer({ windowMs: 2, maxBytes: 0, clock: timers, publish: () => undefined })).toThrow(RangeError);
  });
});
