// Backpressure: a client that stops reading is handled by the named policy — `close` (4008) or
// `drop-and-resync` — while 1,000 fast clients on the same edge keep receiving everything, in order.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { waitFor } from '@chainfan/testkit';
import type { SlowClientPolicy } from './config.js';
import { type Harness, metricValue, startHarness } from './testing/edge-harness.js';
import type { WsTestClient } from './testing/ws-test-client.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

const ADDR_X = 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1';
const FAST_CLIENTS = 1_000;
const BIG = JSON.stringify({ pad: 'x'.repeat(32 * 1024) });
const TXS_PER_ROUND = 4;

async function setup(policy: SlowClientPolicy): Promise<{ h: Harness; fast: WsTestClient[]; slow: WsTestClient }> {
  const bus = new MemoryBus({ epoch: 'e1' });
  open.push(bus);
  const h = await startHarness(bus, { slowClientPolicy: policy, maxBackpressureBytes: 256 * 1024, backpressureCheckIntervalMs: 10 });
  open.push(h);
  const fast: WsTestClient[] = [];
  for (let i = 0; i < FAST_CLIENTS; i += 100) {
    fast.push(...(await Promise.all(Array.from({ length: Math.min(100, FAST_CLIENTS - i) }, () => h.connect()))));
  }
  await Promise.all(fast.map((c) => c.command({ action: 'subscribe', topic: 'blocks' }, 10_000)));
  const slow = await h.connect();
  await slow.command({ action: 'subscribe', topic: 'blocks' });
  await slow.command({ action: 'subscribe', topic: `address:${ADDR_X}`, since: 'now' });
  return { h, fast, slow };
}

/**
 * Per round, big transactions for the slow client (only it reads address:X) and a small block for everyone. A round
 * adds 128 KiB to the slow socket: within the headroom between the policy limit and uWS's hard cap (2×) per sweep.
 */
async function pressure(h: Harness, until: () => Promise<boolean>): Promise<number> {
  let blocks = 0;
  await waitFor(async () => {
    const swept = await sweeps(h);
    for (let i = 0; i < TXS_PER_ROUND; i++) await h.publish({ channel: 'txs', kind: 'tx', keys: { a: [ADDR_X] }, body: BIG });
    await h.publish({ channel: 'blocks', kind: 'block', body: `{"h":${++blocks}}` });
    // one round per sweep, however busy the machine: the policy sees every round before the next one adds to it
    await waitFor(async () => (await sweeps(h)) > swept, { timeoutMs: 10_000, intervalMs: 2, message: 'a backpressure sweep' });
    return until();
  }, { timeoutMs: 30_000, intervalMs: 1 });
  return blocks;
}

/** Samples the backpressure sweeps have taken so far (each sweep observes every socket's buffer once). */
async function sweeps(h: Harness): Promise<number> {
  const { values } = await h.metrics.bufferedBytes.get();
  return values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
}

/** Sweep samples of per-socket buffered bytes above `bytes` (a bucket bound of the histogram). */
async function sweptAbove(h: Harness, bytes: number): Promise<number> {
  const { values } = await h.metrics.bufferedBytes.get();
  const count = values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const within = values.find((v) => v.metricName?.endsWith('_bucket') && v.labels['le'] === bytes)?.value ?? 0;
  expect(count).toBeGreaterThan(0);
  return count - within;
}

const heights = (c: WsTestClient): number[] => c.events('block').map((f) => (f.json?.data as { h: number }).h);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

async function everyFastClientGot(fast: WsTestClient[], n: number): Promise<void> {
  await waitFor(() => fast.every((c) => c.events('block').length >= n), { timeoutMs: 30_000, message: `${n} blocks on every fast client` });
  for (const c of fast) expect(heights(c)).toEqual(range(n));
}

describe(`a slow client among ${FAST_CLIENTS} fast ones`, () => {
  it('drop-and-resync: stops sending to it (memory bounded), fast clients get everything, then it recovers from the notices', async () => {
    const { h, fast, slow } = await setup('drop-and-resync');
    slow.pauseReading();
    let blocks = await pressure(h, async () => (await metricValue(h.metrics.limitHits, { limit: 'backpressure' })) >= 1);
    for (let i = 0; i < 20; i++) await h.publish({ channel: 'blocks', kind: 'block', body: `{"h":${++blocks}}` });
    await everyFastClientGot(fast, blocks);
    expect(h.edge.stats().connections).toBe(FAST_CLIENTS + 1); // not closed: dropped from every topic
    expect(h.edge.stats().subscriptions).toBe(FAST_CLIENTS);
    expect(await sweptAbove(h, 1_048_576)).toBe(0); // no socket ever held more than the hard cap (2 × 256 KiB) plus a round

    slow.resumeReading();
    await waitFor(() => slow.resyncs().length === 2, { timeoutMs: 10_000 });
    const notices = slow.resyncs();
    expect(notices.map((n) => [n['topic'], n['channel'], n['reason'], n['subscribed']]).sort()).toEqual([
      [`address:${ADDR_X}`, 'txs', 'slow_consumer', false], ['blocks', 'blocks', 'slow_consumer', false],
    ]);
    // everything up to the notices' positions arrived before them: resubscribing from there loses nothing
    const before = slow.events('block').length;
    const blockNotice = notices.find((n) => n['channel'] === 'blocks')!;
    expect(slow.events('block').at(-1)?.json?.seq).toBe(blockNotice['seq']);
    for (const n of notices) {
      await slow.command({ action: 'subscribe', topic: n['topic'], since: { [n['channel'] as string]: { epoch: n['epoch'], seq: n['seq'] } } });
    }
    await waitFor(() => slow.events('block').length === blocks, { timeoutMs: 10_000 });
    expect(before).toBeLessThan(blocks);
    expect(heights(slow)).toEqual(range(blocks));
    const txSeqs = slow.events('transaction').map((f) => f.json?.seq as number);
    expect(txSeqs).toEqual(Array.from({ length: txSeqs.length }, (_, i) => i + 1)); // every big tx once, in order
    expect(txSeqs.length).toBe((blocks - 20) * TXS_PER_ROUND);
    expect(await metricValue(h.metrics.resyncs, { reason: 'slow_consumer' })).toBe(2);
  });

  it('close: ends it with 4008 after what it had buffered, fast clients get everything', async () => {
    const { h, fast, slow } = await setup('close');
    slow.pauseReading();
    const blocks = await pressure(h, async () => (await metricValue(h.metrics.connectionsClosed, { reason: 'slow_consumer' })) === 1);
    // read at once: uWS gives an ending socket a few seconds to take its close frame, queued behind the backlog
    slow.resumeReading();
    await everyFastClientGot(fast, blocks);
    expect(await slow.waitForClose(10_000)).toEqual({ code: 4008, reason: 'slow consumer' });
    const got = heights(slow);
    expect(got).toEqual(range(got.length)); // a prefix, in order: resumable from its last position
    expect(h.edge.stats().connections).toBe(FAST_CLIENTS);
  });
});
