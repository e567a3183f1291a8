// The slow-client policy alone, on in-memory sockets whose reading the test controls and a ManualClock for the sweep:
// close (4008 after what was buffered) versus drop-and-resync (notices once drained), and replay pacing.
import { describe, expect, it } from 'vitest';
import { CLOSE, ManualClock, evrmoreRpcDialect, theBlockDialect, type BusChannel, type Dialect, type ResyncNotice, type StreamPosition } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import type { SlowClientPolicy } from '../config.js';
import type { ServerCloseReason, Session } from '../session.js';
import { metricValue } from '../testing/metric-value.js';
import { memorySockets } from '../testing/memory-sockets.js';
import { silentLog } from '../testing/silent-log.js';
import { Backpressure } from './backpressure.js';

const LIMIT = 4_096;
const SWEEP_MS = 100;
const LIVE: StreamPosition = { epoch: '17', seq: 42 };

function setup(policy: SlowClientPolicy) {
  const clock = new ManualClock(1_000_000);
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  const open = new Set<Session>();
  const ended: ServerCloseReason[] = [];
  const dropped: Session[] = [];
  const sockets = memorySockets({
    drain: (conn) => bp.onDrain(conn.data),
    closed: (s) => {
      open.delete(s);
      bp.closed(s);
    },
  });
  const reply = (s: Session, frame: string | Buffer): boolean => (s.conn === undefined ? false : bp.afterSend(s, s.conn.send(frame, false)));
  const bp: Backpressure = new Backpressure({
    config: { maxBackpressureBytes: LIMIT, slowClientPolicy: policy, backpressureCheckIntervalMs: SWEEP_MS },
    metrics,
    log: silentLog,
    clock,
    sessions: () => open,
    closing: () => false,
    end: (s, close, why) => {
      ended.push(why);
      s.conn?.end(close.code, close.reason);
    },
    position: () => LIVE,
    dropForResync: (s, position: (ch: BusChannel) => StreamPosition): ResyncNotice[] => {
      dropped.push(s);
      return [{ topic: 'blocks', channel: 'blocks', reason: 'slow_consumer', subscribed: false, position: position('blocks') }];
    },
    reply,
  });
  bp.startSweep();
  return {
    clock, metrics, bp, ended, dropped, reply,
    async socket(dialect: Dialect = evrmoreRpcDialect) {
      const o = await sockets.open({ dialect });
      open.add(o.s);
      return o;
    },
  };
}

const frame = (bytes: number): string => `{"pad":"${'x'.repeat(bytes - 10)}"}`;

describe('Backpressure', () => {
  it('close: leaves a socket under the limit alone, and closes it with 4008 after what it had buffered once it passes', async () => {
    const h = setup('close');
    const { peer } = await h.socket();
    peer.pause();
    h.reply(peer.data, frame(LIMIT / 2));
    h.clock.advance(SWEEP_MS);
    expect(peer.closed).toBeUndefined();
    expect(h.reply(peer.data, frame(LIMIT))).toBe(false); // buffered past the limit: the policy acts at once
    expect(peer.closed).toEqual({ code: CLOSE.slow.code, reason: CLOSE.slow.reason });
    expect(peer.frames).toHaveLength(2); // a clean close delivers what was buffered, then the close frame
    expect(h.ended).toEqual(['slow_consumer']);
    expect(await metricValue(h.metrics.limitHits, { limit: 'backpressure' })).toBe(1);
  });

  it('close: the sweep finds a socket whose buffer grew by publishes it never saw', async () => {
    const h = setup('close');
    const { peer } = await h.socket();
    peer.pause();
    peer.data.conn!.send(frame(LIMIT + 100), false); // as a uWS publish would: no send result reaches the policy
    expect(peer.closed).toBeUndefined();
    h.clock.advance(SWEEP_MS);
    expect(peer.closed?.code).toBe(CLOSE.slow.code);
  });

  it('drop-and-resync: drops the socket from its topics at once and sends the notices only once it has drained', async () => {
    const h = setup('drop-and-resync');
    const { peer } = await h.socket();
    peer.pause();
    h.reply(peer.data, frame(LIMIT + 100));
    expect(h.dropped).toEqual([peer.data]);
    expect(h.bp.resyncing(peer.data)).toBe(true);
    expect(h.reply(peer.data, frame(100))).toBe(false); // a sender stops while the socket waits to drain
    h.clock.advance(SWEEP_MS); // still full: no notice yet, no second drop
    expect(h.dropped).toHaveLength(1);
    expect(peer.frames).toHaveLength(0);
    peer.resume(); // drains: the notice follows what was buffered
    expect(peer.closed).toBeUndefined();
    expect(h.bp.resyncing(peer.data)).toBe(false);
    const last = JSON.parse(peer.texts().at(-1)!) as { type: string; data: Record<string, unknown> };
    expect(last).toEqual({ type: 'resync', data: { topic: 'blocks', channel: 'blocks', reason: 'slow_consumer', subscribed: false, epoch: '17', seq: 42 } });
    expect(await metricValue(h.metrics.resyncs, { reason: 'slow_consumer' })).toBe(1);
  });

  it('drop-and-resync: closes a socket whose dialect has no positions to resync from', async () => {
    const h = setup('drop-and-resync');
    const { peer } = await h.socket(theBlockDialect);
    peer.pause();
    h.reply(peer.data, frame(LIMIT + 100));
    expect(h.dropped).toHaveLength(0);
    expect(peer.closed?.code).toBe(CLOSE.slow.code);
  });

  it('counts a send the transport dropped and applies the policy', async () => {
    const h = setup('close');
    const { peer } = await h.socket();
    expect(h.bp.afterSend(peer.data, 'dropped')).toBe(false);
    expect(await metricValue(h.metrics.messagesDropped, { reason: 'backpressure' })).toBe(1);
    expect(h.ended).toEqual(['slow_consumer']);
  });

  it('paces replays: whenWritable waits while the buffer is over half the limit, and goes on at drain or close', async () => {
    const h = setup('close');
    const a = await h.socket();
    const b = await h.socket();
    for (const { peer } of [a, b]) {
      peer.pause();
      h.reply(peer.data, frame(LIMIT * 0.75));
    }
    const order: string[] = [];
    void h.bp.whenWritable(a.s).then(() => order.push('a'));
    void h.bp.whenWritable(b.s).then(() => order.push('b'));
    await Promise.resolve();
    expect(order).toEqual([]);
    a.peer.resume();
    await Promise.resolve();
    expect(order).toEqual(['a']);
    b.peer.close();
    await Promise.resolve();
    expect(order).toEqual(['a', 'b']);
    await expect(h.bp.whenWritable(a.s)).resolves.toBeUndefined(); // room now: at once
  });
});
