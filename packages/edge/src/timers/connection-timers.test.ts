// ConnectionTimers alone on a ManualClock and in-memory sockets: heartbeats published once per dialect per period,
// WebSocket pings to each socket of a dialect with a ping period, token-expiry closes, and stop().
import { describe, expect, it } from 'vitest';
import { CLOSE, EVRMORE_RPC_PING_INTERVAL_MS, ManualClock, evrmoreRpcDialect, rustoriumDialect } from '@chainfan/protocol';
import type { ServerCloseReason, Session } from '../session.js';
import { memorySockets } from '../testing/memory-sockets.js';
import { ConnectionTimers, heartbeatTopic } from './connection-timers.js';

const START = 1_000_000;

function setup() {
  const clock = new ManualClock(START);
  const open = new Set<Session>();
  const published: { topic: string; frame: string }[] = [];
  const ended: ServerCloseReason[] = [];
  let closing = false;
  const sockets = memorySockets({ closed: (s) => open.delete(s) });
  const timers = new ConnectionTimers({
    dialects: [evrmoreRpcDialect, rustoriumDialect],
    clock,
    publish: (topic, frame) => published.push({ topic, frame: String(frame) }),
    sessions: () => open,
    closing: () => closing,
    end: (s, close, why) => {
      ended.push(why);
      s.conn?.end(close.code, close.reason);
    },
  });
  return {
    clock, timers, published, ended,
    stopRescheduling: () => {
      closing = true;
    },
    async socket(opts: Parameters<typeof sockets.open>[0] = {}) {
      const o = await sockets.open(opts);
      open.add(o.s);
      return o;
    },
  };
}

describe('ConnectionTimers', () => {
  it('publishes one heartbeat frame per period to the dialect\'s heartbeat topic, only for dialects that have one', () => {
    const h = setup();
    h.timers.start();
    const period = rustoriumDialect.heartbeat!.intervalMs;
    h.clock.advance(period - 1);
    expect(h.published).toHaveLength(0);
    h.clock.advance(1);
    h.clock.advance(period);
    expect(h.published.map((p) => p.topic)).toEqual([heartbeatTopic(rustoriumDialect), heartbeatTopic(rustoriumDialect)]);
    expect(h.published[0]!.frame).toBe(rustoriumDialect.heartbeat!.encode(START + period));
    h.timers.stop();
    h.clock.advance(10 * period);
    expect(h.published).toHaveLength(2);
  });

  it('pings every open socket of a dialect with a ping period, each period, and none of other dialects', async () => {
    const h = setup();
    const a = await h.socket({ dialect: evrmoreRpcDialect });
    const b = await h.socket({ dialect: evrmoreRpcDialect });
    const r = await h.socket({ dialect: rustoriumDialect });
    h.timers.start();
    h.clock.advance(EVRMORE_RPC_PING_INTERVAL_MS);
    b.peer.close();
    h.clock.advance(EVRMORE_RPC_PING_INTERVAL_MS);
    expect([a.peer.pings, b.peer.pings, r.peer.pings]).toEqual([2, 1, 0]);
  });

  it('stops rescheduling once the edge closes', async () => {
    const h = setup();
    const a = await h.socket();
    h.timers.start();
    h.clock.advance(EVRMORE_RPC_PING_INTERVAL_MS);
    h.stopRescheduling();
    h.clock.advance(10 * EVRMORE_RPC_PING_INTERVAL_MS);
    expect(a.peer.pings).toBe(2); // the tick due when closing began still ran once
  });

  it('closes a socket with 4401 when its token expires, at once when it already has, and never after unwatch', async () => {
    const h = setup();
    const later = await h.socket({ expiresAtMs: START + 5_000 });
    const expired = await h.socket({ expiresAtMs: START - 1 });
    const gone = await h.socket({ expiresAtMs: START + 5_000 });
    const forever = await h.socket();
    for (const o of [later, expired, gone, forever]) h.timers.watchExpiry(o.s);
    expect(expired.peer.closed).toEqual({ code: CLOSE.tokenExpired.code, reason: CLOSE.tokenExpired.reason });
    h.timers.unwatch(gone.s);
    h.clock.advance(4_999);
    expect(later.peer.closed).toBeUndefined();
    h.clock.advance(1);
    expect(later.peer.closed?.code).toBe(CLOSE.tokenExpired.code);
    h.clock.advance(60_000);
    expect(gone.peer.closed).toBeUndefined();
    expect(forever.peer.closed).toBeUndefined();
    expect(h.ended).toEqual(['token_expired', 'token_expired']);
  });
});
