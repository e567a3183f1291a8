import { describe, expect, it } from 'vitest';
import { MemoryTransport } from './memory-transport.js';
import { type Data, describeTransportContract, type TransportDriver } from './ws-transport.contract.js';
import type { WsConnection, WsHandlers } from './ws-transport.js';

function memoryDriver(): TransportDriver {
  let t: MemoryTransport<Data> | undefined;
  return {
    async start(opts, handlers) {
      t = new MemoryTransport(opts, handlers);
      await t.listen('127.0.0.1', 0);
    },
    async connect(req = {}) {
      const c = await t!.connect({ url: req.path ?? '/', query: req.query ?? '', protocol: req.protocol ?? '', authorization: req.authorization ?? '' });
      if (!c.ok) return c;
      const peer = c.peer;
      return { ok: true, protocol: c.protocol, peer: { send: (x) => peer.send(x), texts: () => peer.texts(), close: (code, reason) => peer.close(code, reason), closed: () => peer.closed } };
    },
    publish: (topic, frame) => t!.publish(topic, frame, false),
    listening: () => t?.listening ?? false,
    close: () => {
      t?.close();
      return Promise.resolve();
    },
  };
}

describeTransportContract('in memory', memoryDriver);

describe('MemoryTransport test controls', () => {
  async function setup(hardBackpressureBytes: number) {
    const opened: WsConnection<{ id: number }>[] = [];
    const drained: number[] = [];
    const closes: string[] = [];
    const handlers: WsHandlers<{ id: number }> = {
      upgrade: () => ({ accept: { id: 1 }, protocol: '' }),
      abandoned: () => undefined,
      open: (c) => opened.push(c),
      message: () => undefined,
      drain: (c) => drained.push(c.bufferedAmount()),
      close: (_c, code, cause) => closes.push(`${code} ${cause}`),
    };
    const t = new MemoryTransport({ maxPayloadBytes: 1_024, idleTimeoutSeconds: 0, hardBackpressureBytes }, handlers);
    await t.listen('127.0.0.1', 0);
    const c = await t.connect();
    if (!c.ok) throw new Error('refused');
    return { t, peer: c.peer, conn: opened[0]!, drained, closes };
  }

  it('a paused peer leaves frames buffered (send says buffered, bufferedAmount counts bytes); resume delivers them and drains', async () => {
    const { t, peer, conn, drained } = await setup(100);
    peer.pause();
    expect(conn.send('12345', false)).toBe('buffered');
    conn.subscribe('blocks');
    t.publish('blocks', 'abc', false);
    expect(conn.bufferedAmount()).toBe(8);
    expect(peer.texts()).toEqual([]);
    peer.resume();
    expect(peer.texts()).toEqual(['12345', 'abc']);
    expect(drained).toEqual([0]);
    expect(conn.send('now', false)).toBe('sent');
  });

  it('past the hard backpressure limit the connection is closed abnormally and the frame dropped', async () => {
    const { peer, conn, closes } = await setup(10);
    peer.pause();
    expect(conn.send('123456', false)).toBe('buffered');
    expect(conn.send('123456', false)).toBe('dropped');
    expect(closes).toEqual(['1006 abnormal']);
    expect(peer.closed).toEqual({ code: 1006, reason: '' });
    expect(peer.texts()).toEqual([]); // a dead socket delivers nothing more
  });

  it('a clean close still delivers what was buffered; a dropped peer closes abnormally', async () => {
    const a = await setup(100);
    a.peer.pause();
    a.conn.send('last words', false);
    a.conn.end(1001, 'server draining');
    expect(a.peer.texts()).toEqual(['last words']);
    const b = await setup(100);
    b.peer.drop();
    expect(b.closes).toEqual(['1006 abnormal']);
  });
});
