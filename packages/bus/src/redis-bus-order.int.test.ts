// Order per channel on a real Redis when replies come late: what a loaded machine does by chance, scripted through a
// proxy that holds the publishing connection's replies. Publishes on a channel are sequenced in call order.
import { randomUUID } from 'node:crypto';
import type { OutgoingEnvelope } from '@chainfan/protocol';
import { type RedisHandle, redisCommand, type ReplyGate, startRedis, startReplyGate, waitFor } from '@chainfan/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from './redis-bus.js';

let redis: RedisHandle;
let gate: ReplyGate;
let bus: RedisBus;
let reader: RedisBus;
beforeAll(async () => {
  redis = await startRedis();
  gate = await startReplyGate(redis.url, 'chainfan-bus-pub');
  const keyPrefix = `ord-${randomUUID().slice(0, 8)}:`;
  bus = new RedisBus({ url: gate.url, keyPrefix });
  reader = new RedisBus({ url: redis.url, keyPrefix });
  await Promise.all([bus.ready(5_000), reader.ready(5_000)]);
});
afterAll(async () => {
  await Promise.all([bus?.close(), reader?.close()]);
  await gate?.close();
  await redis?.stop();
});

const block = (height: number): OutgoingEnvelope => ({ channel: 'blocks', kind: 'block', ts: height, body: JSON.stringify({ height }) });
/** the turn after the publish batcher's: what was published before it has been handed to the connection */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RedisBus publish order', () => {
  it('holds when the script cache is empty and a refused call is retried after later publishes have left', async () => {
    await redisCommand(redis.url, ['SCRIPT', 'FLUSH']); // as after a Redis restart: the first script call is refused
    gate.hold();
    const published = [bus.publish(block(1))];
    await waitFor(() => gate.commands.some((c) => c.startsWith('EVAL')), { message: 'first publish at Redis' });
    published.push(bus.publish(block(2)));
    await nextTurn();

    // only the first call's reply reaches the bus. The client pipelines, so the second publish leaves only now; a third,
    // made while the second is unanswered, must still be sequenced after it (an EVALSHA refused with NOSCRIPT and
    // retried after its reply was not: 1, 3, 2)
    const sent = gate.commands.length;
    gate.release(1);
    await waitFor(() => gate.commands.length > sent, { message: 'the bus answered the refusal' });
    published.push(bus.publish(block(3)));
    await nextTurn();

    gate.release();
    const receipts = await Promise.all(published);
    expect(receipts.map((r) => r.seq)).toEqual([1, 2, 3]);
    const h = await reader.history('blocks', 0, 10);
    expect(h.messages.map((m) => (JSON.parse(m.body) as { height: number }).height)).toEqual([1, 2, 3]);
  });
});
