import { describe, expect, it } from 'vitest';
import { MessageQueue } from './message-queue.js';

describe('MessageQueue', () => {
  it('yields in push order, buffering until a consumer asks', async () => {
    const q = new MessageQueue<number>(10);
    q.push(1);
    q.push(2);
    expect(await q.next()).toEqual({ done: false, value: 1 });
    expect(await q.next()).toEqual({ done: false, value: 2 });
    const waiting = q.next(); // empty: the next push goes straight to this consumer
    expect(q.push(3)).toEqual({ dropped: 0 });
    expect(q.size).toBe(0);
    expect(await waiting).toEqual({ done: false, value: 3 });
  });

  it('drops the oldest on overflow and reports each drop; never exceeds the limit', async () => {
    const q = new MessageQueue<number>(3);
    const drops = [1, 2, 3, 4, 5, 6].map((i) => q.push(i).dropped);
    expect(drops).toEqual([0, 0, 0, 1, 1, 1]);
    expect(q.size).toBe(3);
    expect([(await q.next()).value, (await q.next()).value, (await q.next()).value]).toEqual([4, 5, 6]);
  });

  it('stays bounded and ordered across many pushes (compaction)', async () => {
    const q = new MessageQueue<number>(2_000);
    let dropped = 0;
    for (let i = 0; i < 10_000; i++) dropped += q.push(i).dropped;
    expect(dropped).toBe(8_000);
    expect(q.size).toBe(2_000);
    const got: number[] = [];
    for (let i = 0; i < 2_000; i++) got.push((await q.next()).value!);
    expect(got[0]).toBe(8_000);
    expect(got.at(-1)).toBe(9_999);
    expect(got.every((v, i) => i === 0 || v === got[i - 1]! + 1)).toBe(true);
  });

  it('close() ends pending and future next() with done and ignores later pushes', async () => {
    const q = new MessageQueue<string>(5);
    const pending = q.next();
    q.close();
    q.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(q.push('x')).toEqual({ dropped: 0 });
    expect(await q.next()).toEqual({ done: true, value: undefined });
  });

  it('close() discards buffered messages', async () => {
    const q = new MessageQueue<number>(5);
    q.push(1);
    q.close();
    expect(q.size).toBe(0);
    expect((await q.next()).done).toBe(true);
  });

  it('rejects a limit below 1', () => {
    expect(() => new MessageQueue(0)).toThrow(RangeError);
    expect(() => new MessageQueue(1.5)).toThrow(RangeError);
  });
});
