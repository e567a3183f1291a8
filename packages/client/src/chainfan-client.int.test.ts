// ChainfanClient against a real WebSocket server (ws, port 0) that speaks the evrmore-rpc protocol with the
// simulator's acks and error codes, standing in for the edge.
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { ERROR, parseTopic } from '@chainfan/protocol';
import { waitFor } from '@chainfan/testkit';
import { ChainfanClient } from './node.js';
import { ChainfanClient as RootChainfanClient } from './index.js';
import type { ChainfanClientError, ChainfanClientOptions, ChainfanMessage, ReconnectInfo } from './index.js';

interface ServerConn {
  readonly socket: WebSocket;
  /** every client frame, parsed when it was JSON */
  readonly frames: unknown[];
  readonly topics: Set<string>;
  closed: boolean;
}

const TOPIC_OF_TYPE: Readonly<Record<string, string>> = {
  block: 'blocks',
  transaction: 'transactions',
  asset: 'assets',
  mempool: 'mempool',
  sequence: 'sequence',
};

class TestServer {
  readonly conns: ServerConn[] = [];
  /** while true, upgrades are refused with HTTP 503, so the client's attempts fail before open */
  refuse = false;
  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (socket) => this.accept(socket));
  }

  static async start(): Promise<TestServer> {
    let server!: TestServer;
    await new Promise<void>((resolve, reject) => {
      const wss = new WebSocketServer({
        host: '127.0.0.1',
        port: 0,
        verifyClient: (_info, cb) => (server.refuse ? cb(false, 503) : cb(true)),
      });
      server = new TestServer(wss);
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    return server;
  }

  get url(): string {
    const a = this.wss.address();
    if (typeof a !== 'object' || a === null) throw new Error('not listening');
    return `ws://127.0.0.1:${a.port}`;
  }

  get last(): ServerConn {
    const c = this.conns.at(-1);
    if (c === undefined) throw new Error('no connection yet');
    return c;
  }

  send(conn: ServerConn, frame: unknown): void {
    conn.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Delivers an event to every connection subscribed to its topic (or to `all`), as an evrmore-rpc server does. */
  event(type: string, data: unknown): void {
    const topic = TOPIC_OF_TYPE[type] ?? type;
    for (const c of this.conns) if (!c.closed && (c.topics.has(topic) || c.topics.has('all'))) this.send(c, { type, data });
  }

  close(): Promise<void> {
    for (const c of this.conns) c.socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket): void {
    const conn: ServerConn = { socket, frames: [], topics: new Set(), closed: false };
    this.conns.push(conn);
    socket.on('close', () => (conn.closed = true));
    socket.on('message', (raw) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(raw));
      } catch {
        conn.frames.push(String(raw));
        this.send(conn, { type: 'error', data: { code: ERROR.invalidJson.code, message: ERROR.invalidJson.message() } });
        return;
      }
      conn.frames.push(msg);
      const { action, topic } = msg as { action?: unknown; topic?: unknown };
      const t = parseTopic(topic);
      if (action === 'subscribe' && t.ok) {
        conn.topics.add(t.value.key);
        this.send(conn, { type: 'subscription', data: { status: 'success', topic, action } });
      } else if (action === 'subscribe') {
        this.send(conn, { type: 'error', data: { code: ERROR.invalidTopic.code, message: ERROR.invalidTopic.message(String(topic)) } });
      } else if (action === 'unsubscribe' && t.ok && conn.topics.delete(t.value.key)) {
        this.send(conn, { type: 'subscription', data: { status: 'success', topic, action } });
      } else {
        this.send(conn, { type: 'error', data: { code: ERROR.notSubscribed.code, message: ERROR.notSubscribed.message(String(topic)) } });
      }
    });
  }
}

const block = (height: number) => ({ hash: height.toString(16).padStart(64, '0'), height, time: 1_700_000_000 + height, tx: [] });
const TXID = 'ab'.repeat(32);

let server: TestServer;
const clients: RootChainfanClient[] = [];

function client(opts: Partial<ChainfanClientOptions> = {}): ChainfanClient {
  const c = new ChainfanClient({ url: server.url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...opts });
  clients.push(c);
  return c;
}

async function collect(c: RootChainfanClient, n: number, keep: (m: ChainfanMessage) => boolean = () => true): Promise<ChainfanMessage[]> {
  const got: ChainfanMessage[] = [];
  for await (const m of c) {
    if (keep(m)) got.push(m);
    if (got.length === n) break;
  }
  return got;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
});

describe('ChainfanClient (real WebSocket server)', () => {
  it('connects, and subscribe() resolves on the ack for that topic', async () => {
    server = await TestServer.start();
    const c = client();
    expect(c.state).toBe('closed');
    const opened = c.connect();
    expect(c.state).toBe('connecting');
    await opened;
    expect(c.state).toBe('open');
    await c.subscribe('blocks');
    await c.subscribe('tx:' + TXID.toUpperCase()); // canonical key is lower-case; the server acks the spelling sent
    // `since: "now"` asks a chainfan edge where the live stream starts (other servers ignore the extra key)
    expect(server.last.frames).toEqual([
      { action: 'subscribe', topic: 'blocks', since: 'now' },
      { action: 'subscribe', topic: 'tx:' + TXID.toUpperCase(), since: 'now' },
    ]);
    await c.subscribe('block'); // ≡ blocks, already acknowledged: no second frame
    expect(server.last.frames).toHaveLength(2);
    expect(c.topics).toEqual(['blocks', 'tx:' + TXID.toUpperCase()]);
    await c.unsubscribe('blocks');
    expect(server.last.frames.at(-1)).toEqual({ action: 'unsubscribe', topic: 'blocks' });
    expect(server.last.topics.has('blocks')).toBe(false);
    expect(c.topics).toEqual(['tx:' + TXID.toUpperCase()]);
  });

  it('subscribe() before connect() connects first', async () => {
    server = await TestServer.start();
    const c = client();
    await c.subscribe('mempool');
    expect(c.state).toBe('open');
    expect(server.last.frames).toEqual([{ action: 'subscribe', topic: 'mempool', since: 'now' }]);
  });

  it('yields acks and events through for await, in server order, typed by `type`', async () => {
    server = await TestServer.start();
    const c = client();
    await c.subscribe('blocks');
    for (let h = 0; h < 50; h++) server.event('block', block(h));
    server.event('mempool', { size: 3, bytes: 900, usage: 2_000 }); // not subscribed: must not arrive
    server.event('block', block(50));
    const got = await collect(c, 52);
    expect(got[0]).toEqual({ type: 'subscription', data: { status: 'success', topic: 'blocks', action: 'subscribe' } });
    expect(got.slice(1).map((m) => (m.type === 'block' ? m.data.height : -1))).toEqual([...Array(51).keys()]);
  });

  it('rejects subscribe() with the server error code and drops the topic', async () => {
    server = await TestServer.start();
    const c = client();
    const errors: number[] = [];
    c.on('message', (m) => {
      if (m.type === 'error') errors.push(m.data.code);
    });
    await c.subscribe('blocks');
    const err = await c.subscribe('nonsense').then(
      () => undefined,
      (e: unknown) => e as ChainfanClientError,
    );
    expect(err).toMatchObject({ name: 'ChainfanClientError', code: 'CHAINFAN_CLIENT_SERVER_ERROR', serverCode: ERROR.invalidTopic.code });
    expect(c.topics).toEqual(['blocks']);
    expect(errors).toEqual([ERROR.invalidTopic.code]); // also delivered as an ErrorMessage
    await c.subscribe('sequence'); // the next request is matched to its own ack
    expect(c.topics).toEqual(['blocks', 'sequence']);
  });

  it('reconnects after a server-side close with equal-jitter backoff, resets it after open, and re-subscribes in order', async () => {
    server = await TestServer.start();
    const timers: number[] = [];
    const c = client({
      reconnect: { initialDelayMs: 40, maxDelayMs: 1_000, factor: 2 },
      random: () => 0.5,
      clock: {
        setTimeout: (fn, ms) => {
          timers.push(ms);
          return setTimeout(fn, ms);
        },
        clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      },
    });
    const reconnects: ReconnectInfo[] = [];
    const states: string[] = [];
    c.on('reconnecting', (r) => {
      reconnects.push(r);
      states.push(c.state);
    });
    const closes: boolean[] = [];
    c.on('close', (i) => closes.push(i.willReconnect));
    await c.subscribe('blocks');
    await c.subscribe('asset:CHAINFAN');
    await c.subscribe('transactions');
    await c.subscribe('tx:' + TXID);
    await c.unsubscribe('transactions');

    // outage 1: one failed socket, the next attempt succeeds
    server.last.socket.close(1001, 'server draining');
    await waitFor(() => server.conns.length === 2 && server.last.frames.length === 3 && c.state === 'open', { timeoutMs: 5_000 });
    expect(server.last.frames).toEqual([
      { action: 'subscribe', topic: 'blocks', since: 'now' },
      { action: 'subscribe', topic: 'asset:CHAINFAN', since: 'now' },
      { action: 'subscribe', topic: 'tx:' + TXID, since: 'now' },
    ]);
    expect(reconnects).toEqual([{ attempt: 1, delayMs: 30 }]); // base 40 → 40/2 + 0.5·40/2
    expect(states).toEqual(['reconnecting']);
    expect(closes).toEqual([true]);

    // outage 2: upgrades refused for a while, so the delay grows; then accepted
    server.refuse = true;
    server.last.socket.close(1001, 'server draining');
    await waitFor(() => reconnects.length >= 5, { timeoutMs: 5_000 }); // outage 1 + four growing attempts
    server.refuse = false;
    await waitFor(() => server.conns.length === 3 && server.last.frames.length === 3 && c.state === 'open', { timeoutMs: 5_000 });
    const outage2 = reconnects.slice(1).map((r) => r.delayMs);
    expect(outage2.slice(0, 4)).toEqual([30, 60, 120, 240]);
    expect(reconnects.slice(1).map((r) => r.attempt)).toEqual(outage2.map((_, i) => i + 1));

    // outage 3: the successful open reset the schedule
    const before = reconnects.length;
    server.last.socket.close(1001, 'server draining');
    await waitFor(() => server.conns.length === 4 && server.last.frames.length === 3, { timeoutMs: 5_000 });
    expect(reconnects.slice(before)).toEqual([{ attempt: 1, delayMs: 30 }]);
    expect(timers).toEqual(expect.arrayContaining(reconnects.map((r) => r.delayMs))); // delays went through the injected clock

    // and the re-subscribed topics deliver again
    server.event('block', block(7));
    const [m] = await collect(c, 1, (x) => x.type === 'block');
    expect(m).toMatchObject({ type: 'block', data: { height: 7 } });
  });

  it('connect() keeps retrying until the server accepts', async () => {
    server = await TestServer.start();
    server.refuse = true;
    const c = client();
    const attempts: number[] = [];
    c.on('reconnecting', (r) => attempts.push(r.attempt));
    const opened = c.connect();
    await waitFor(() => attempts.length >= 2, { timeoutMs: 5_000 });
    expect(c.state).toBe('reconnecting');
    server.refuse = false;
    await opened;
    expect(c.state).toBe('open');
  });

  it('close() ends iteration, is idempotent and terminal, and does not reconnect', async () => {
    server = await TestServer.start();
    const c = client();
    await c.subscribe('blocks');
    const seen: ChainfanMessage[] = [];
    const loop = (async () => {
      for await (const m of c) seen.push(m);
      return 'ended';
    })();
    await waitFor(() => seen.length === 1); // the ack
    const closes: boolean[] = [];
    c.on('close', (i) => closes.push(i.willReconnect));
    const reconnects: ReconnectInfo[] = [];
    c.on('reconnecting', (r) => reconnects.push(r));
    const first = c.close();
    expect(c.close()).toBe(first);
    expect(c.state).toBe('closed');
    await expect(loop).resolves.toBe('ended');
    await first;
    await waitFor(() => server.last.closed && closes.length === 1);
    expect(closes).toEqual([false]);
    expect(reconnects).toEqual([]);
    expect(server.conns).toHaveLength(1);
    await expect(c.subscribe('blocks')).rejects.toMatchObject({ code: 'CHAINFAN_CLIENT_CLOSED' });
    await expect(c.connect()).rejects.toMatchObject({ code: 'CHAINFAN_CLIENT_CLOSED' });
    expect((await c[Symbol.asyncIterator]().next()).done).toBe(true);
  });

  it('close() while reconnecting rejects the pending connect() and subscribe()', async () => {
    server = await TestServer.start();
    server.refuse = true;
    const c = client();
    const attempts: number[] = [];
    c.on('reconnecting', (r) => attempts.push(r.attempt));
    const opened = c.connect();
    const subscribed = c.subscribe('blocks');
    await waitFor(() => attempts.length >= 1);
    await c.close();
    await expect(opened).rejects.toMatchObject({ code: 'CHAINFAN_CLIENT_CLOSED' });
    await expect(subscribed).rejects.toMatchObject({ code: 'CHAINFAN_CLIENT_CLOSED' });
    expect(c.state).toBe('closed');
  });

  it('reports a non-JSON frame or one without `type` as an error event and keeps iterating', async () => {
    server = await TestServer.start();
    const c = client();
    const errors: ChainfanClientError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.subscribe('blocks');
    server.send(server.last, 'this is not json');
    server.send(server.last, { data: { height: 1 } });
    server.send(server.last, { type: 'block', data: 'not an object' });
    server.last.socket.send(Buffer.from(JSON.stringify({ type: 'block', data: block(1) }))); // binary frames are UTF-8 JSON
    server.event('block', block(2));
    const got = await collect(c, 3);
    expect(got.map((m) => m.type)).toEqual(['subscription', 'block', 'block']);
    expect(got.slice(1).map((m) => (m.type === 'block' ? m.data.height : -1))).toEqual([1, 2]);
    expect(errors.map((e) => [e.code, e.context?.['frameError']])).toEqual([
      ['CHAINFAN_CLIENT_BAD_FRAME', 'FRAME_NOT_JSON'],
      ['CHAINFAN_CLIENT_BAD_FRAME', 'FRAME_NO_TYPE'],
      ['CHAINFAN_CLIENT_BAD_FRAME', 'FRAME_BAD_DATA'],
    ]);
    expect(c.state).toBe('open');
  });

  it('bounds the iteration queue: drops the oldest and reports the overflow', async () => {
    server = await TestServer.start();
    const c = client({ queueLimit: 5 });
    let messages = 0;
    c.on('message', () => messages++);
    const overflows: { dropped: number; totalDropped: number }[] = [];
    c.on('overflow', (o) => overflows.push(o));
    await c.subscribe('blocks');
    for (let h = 0; h < 20; h++) server.event('block', block(h));
    await waitFor(() => messages === 21); // ack + 20 blocks, nobody iterating
    expect(overflows).toHaveLength(16);
    expect(overflows.at(-1)).toEqual({ dropped: 1, totalDropped: 16 });
    const got = await collect(c, 5);
    expect(got.map((m) => (m.type === 'block' ? m.data.height : -1))).toEqual([15, 16, 17, 18, 19]);
  });

});

describe('ChainfanClient resume (positions from a chainfan edge)', () => {
  const ev = (seq: number, channel = 'blocks', epoch = 'e') => ({ type: 'block', channel, epoch, seq, data: block(seq) });

  it('delivers each positioned event once, even when two subscribed topics carry it', async () => {
    server = await TestServer.start();
    const c = client();
    await c.subscribe('blocks');
    await c.subscribe('all');
    const got: ChainfanMessage[] = [];
    c.on('message', (m) => got.push(m));
    server.send(server.last, ev(1));
    server.send(server.last, ev(1)); // once for `blocks`, once for `all`
    server.send(server.last, ev(2));
    await waitFor(() => got.length === 2);
    server.send(server.last, ev(3));
    await waitFor(() => got.length === 3);
    expect(got.map((m) => (m.type === 'block' ? [m.data.height, m.seq] : m.type))).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(c.position('blocks')).toEqual({ epoch: 'e', seq: 3 });
  });

  it('reconnects to the next URL and resubscribes from the last position it saw', async () => {
    server = await TestServer.start();
    const second = await TestServer.start();
    try {
      const c = client({ url: [server.url, second.url] });
      await c.subscribe('blocks');
      server.send(server.last, ev(5));
      await waitFor(() => c.position('blocks')?.seq === 5);
      server.last.socket.close(1001, 'server draining');
      await waitFor(() => second.conns.length === 1 && second.last.frames.length === 1 && c.state === 'open');
      expect(c.url).toBe(second.url);
      expect(second.last.frames).toEqual([{ action: 'subscribe', topic: 'blocks', since: { blocks: { epoch: 'e', seq: 5 } } }]);
    } finally {
      await second.close();
    }
  });

  it('repairs a slow-consumer resync by itself: resubscribes from its position, tells the app nothing', async () => {
    server = await TestServer.start();
    const c = client();
    const resyncs: unknown[] = [];
    c.on('resync', (r) => resyncs.push(r));
    await c.subscribe('blocks');
    server.send(server.last, ev(8));
    await waitFor(() => c.position('blocks')?.seq === 8);
    const queued: ChainfanMessage[] = [];
    c.on('message', (m) => queued.push(m));
    server.send(server.last, { type: 'resync', data: { topic: 'blocks', channel: 'blocks', reason: 'slow_consumer', subscribed: false, epoch: 'e', seq: 8 } });
    await waitFor(() => server.last.frames.length === 2);
    expect(server.last.frames[1]).toEqual({ action: 'subscribe', topic: 'blocks', since: { blocks: { epoch: 'e', seq: 8 } } });
    await waitFor(() => queued.length === 1); // the ack of that resubscribe
    expect(queued[0]!.type).toBe('subscription');
    expect(resyncs).toEqual([]);
  });

  it('surfaces a "not recovered" notice as a resync event and, in order, as an UnknownMessage', async () => {
    server = await TestServer.start();
    const c = client();
    const resyncs: unknown[] = [];
    c.on('resync', (r) => resyncs.push(r));
    await c.subscribe('blocks');
    const notice = { topic: 'blocks', channel: 'blocks', reason: 'history_trimmed', subscribed: true, epoch: 'e2', seq: 40 };
    server.send(server.last, { type: 'resync', data: notice });
    server.send(server.last, ev(41, 'blocks', 'e2'));
    const got = await collect(c, 3);
    expect(got.map((m) => (m.type === 'unknown' ? m.wireType : m.type))).toEqual(['subscription', 'resync', 'block']);
    expect(resyncs).toEqual([notice]);
    expect(c.position('blocks')).toEqual({ epoch: 'e2', seq: 41 });
  });
});
