import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '@chainfan/protocol';
import { ChainfanClient } from './chainfan-client.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('ChainfanClient construction', () => {
  it('needs a WebSocket: the global one, or one passed in (never imports ws itself)', () => {
    vi.stubGlobal('WebSocket', undefined);
    expect(() => new ChainfanClient({ url: 'ws://127.0.0.1:1' })).toThrow(expect.objectContaining({ code: 'CHAINFAN_CLIENT_NO_WEBSOCKET' }));
  });

  it('starts closed and does not dial until asked', () => {
    let dialed = 0;
    class NeverUsed {
      constructor() {
        dialed++;
      }
    }
    const c = new ChainfanClient({ url: 'ws://127.0.0.1:1', WebSocket: NeverUsed as never });
    expect(c.state).toBe('closed');
    expect(c.topics).toEqual([]);
    expect(dialed).toBe(0);
  });

  it('rejects a bad queueLimit, reconnect policy or request timeout up front', () => {
    const WebSocket = class {} as never;
    expect(() => new ChainfanClient({ url: 'ws://x', WebSocket, queueLimit: 0 })).toThrow(RangeError);
    expect(() => new ChainfanClient({ url: 'ws://x', WebSocket, reconnect: { initialDelayMs: -1 } })).toThrow(RangeError);
    expect(() => new ChainfanClient({ url: 'ws://x', WebSocket, requestTimeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('ChainfanClient with a WebSocket constructor that refuses the URL', () => {
  it('rejects connect() with CHAINFAN_CLIENT_SOCKET and ends in closed, without retrying', async () => {
    let dialed = 0;
    class Refusing {
      constructor(url: string) {
        dialed++;
        throw new SyntaxError(`bad url ${url}`);
      }
    }
    const c = new ChainfanClient({ url: 'not a url', WebSocket: Refusing as never });
    await expect(c.connect()).rejects.toMatchObject({ code: 'CHAINFAN_CLIENT_SOCKET', cause: expect.any(SyntaxError) });
    expect(c.state).toBe('closed');
    expect(dialed).toBe(1);
    await expect(c.subscribe('blocks')).rejects.toMatchObject({ code: 'CHAINFAN_CLIENT_CLOSED' });
    await c.close();
  });
});

/** A socket the test opens and closes by hand; it records what the client sent. */
class ScriptedSocket {
  static made: ScriptedSocket[] = [];
  readyState = 0;
  binaryType = '';
  readonly sent: string[] = [];
  readonly #listeners = new Map<string, ((ev: unknown) => void)[]>();
  constructor(readonly url: string) {
    ScriptedSocket.made.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code = 1000, reason = ''): void {
    this.serverClose(code, reason);
  }
  addEventListener(type: string, fn: (ev: unknown) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), fn]);
  }
  open(): void {
    this.readyState = 1;
    for (const fn of this.#listeners.get('open') ?? []) fn({});
  }
  /** A frame from the server. */
  receive(frame: unknown): void {
    for (const fn of this.#listeners.get('message') ?? []) fn({ data: JSON.stringify(frame) });
  }
  serverClose(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    for (const fn of this.#listeners.get('close') ?? []) fn({ code, reason });
  }
}

describe('ChainfanClient on the injected clock', () => {
  afterEach(() => {
    ScriptedSocket.made = [];
  });

  it('a subscribe with no answer fails with CHAINFAN_CLIENT_TIMEOUT when the clock reaches the request deadline', async () => {
    const clock = new ManualClock();
    const c = new ChainfanClient({ url: 'ws://edge', WebSocket: ScriptedSocket as never, clock, requestTimeoutMs: 2_000 });
    const connected = c.connect();
    ScriptedSocket.made[0]!.open();
    await connected;
    let outcome: unknown;
    c.subscribe('blocks').catch((e: unknown) => (outcome = e));
    expect(ScriptedSocket.made[0]!.sent).toHaveLength(1);
    clock.advance(1_999);
    await settled();
    expect(outcome).toBeUndefined();
    clock.advance(1);
    await settled();
    expect(outcome).toMatchObject({ code: 'CHAINFAN_CLIENT_TIMEOUT' });
    await closeNow(c, clock);
  });

  it('schedules the reconnect on the clock with the backoff delay, and dials again when it fires', async () => {
    const clock = new ManualClock();
    const c = new ChainfanClient({ url: 'ws://edge', WebSocket: ScriptedSocket as never, clock, random: () => 0.5, reconnect: { initialDelayMs: 400, maxDelayMs: 10_000, factor: 2 } });
    const delays: number[] = [];
    c.on('reconnecting', (r) => delays.push(r.delayMs));
    const connected = c.connect();
    ScriptedSocket.made[0]!.open();
    await connected;
    ScriptedSocket.made[0]!.serverClose(1006, '');
    expect(c.state).toBe('reconnecting');
    expect(clock.pending()).toEqual([delays[0]]);
    expect(ScriptedSocket.made).toHaveLength(1);
    clock.advance(delays[0]!);
    expect(ScriptedSocket.made).toHaveLength(2);
    await closeNow(c, clock);
  });
});

describe('ChainfanClient resuming from a block', () => {
  afterEach(() => {
    ScriptedSocket.made = [];
  });
  const H1 = '11'.repeat(32);
  const H2 = '22'.repeat(32);
  const H3 = '33'.repeat(32);
  const block = (height: number, hash: string, seq: number, epoch = 'e1') => ({ type: 'block', channel: 'blocks', epoch, seq, data: { hash, height } });
  const ack = (topic: string, action = 'subscribe', positions?: unknown) =>
    ({ type: 'subscription', data: { status: 'success', topic, action, ...(positions === undefined ? {} : { positions }) } });

  async function opened(clock: ManualClock): Promise<{ c: ChainfanClient; ws: ScriptedSocket }> {
    const c = new ChainfanClient({ url: 'ws://edge', WebSocket: ScriptedSocket as never, clock });
    const connected = c.connect();
    ScriptedSocket.made[0]!.open();
    await connected;
    return { c, ws: ScriptedSocket.made[0]! };
  }

  it('subscribe(topic, { sinceBlock }) asks for the blocks channel after that block, other channels as known', async () => {
    const clock = new ManualClock();
    const { c, ws } = await opened(clock);
    c.subscribe('all', { sinceBlock: { height: 5, hash: H1 } }).catch(() => undefined); // never acked: closed below
    expect(JSON.parse(ws.sent[0]!)).toEqual({ action: 'subscribe', topic: 'all', since: { blocks: { height: 5, hash: H1 }, txs: 'now', sequence: 'now' } });
    expect(c.lastBlock).toEqual({ height: 5, hash: H1 });
    await closeNow(c, clock);
  });

  it('an epoch_changed on blocks is repaired from the last block, silently; a block arriving twice is delivered once', async () => {
    const clock = new ManualClock();
    const { c, ws } = await opened(clock);
    const resyncs: unknown[] = [];
    const blocks: string[] = [];
    c.on('resync', (r) => resyncs.push(r));
    c.on('message', (m) => {
      if (m.type === 'block') blocks.push(m.data.hash);
    });
    const subscribed = c.subscribe('blocks');
    ws.receive(ack('blocks', 'subscribe', { blocks: { epoch: 'e1', seq: 0 } }));
    await subscribed;
    ws.receive(block(1, H1, 1));
    ws.receive(block(2, H2, 2));
    ws.receive({ type: 'resync', data: { topic: 'blocks', channel: 'blocks', reason: 'epoch_changed', subscribed: true, epoch: 'e2', seq: 0 } });
    expect(resyncs).toEqual([]);
    expect(ws.sent.slice(1).map((f) => JSON.parse(f) as unknown)).toEqual([
      { action: 'unsubscribe', topic: 'blocks' },
      { action: 'subscribe', topic: 'blocks', since: { blocks: { height: 2, hash: H2 } } },
    ]);
    ws.receive(block(2, H2, 1, 'e2')); // the new epoch carries a block already delivered
    ws.receive({ type: 'block', source: 'node', data: { hash: H3, height: 3 } });
    ws.receive(block(3, H3, 2, 'e2'));
    expect(blocks).toEqual([H1, H2, H3]);
    expect(c.lastBlock).toEqual({ height: 3, hash: H3 });
    // a notice the block resume cannot repair reaches the application
    ws.receive({ type: 'resync', data: { topic: 'blocks', channel: 'blocks', reason: 'too_far_behind', subscribed: true, epoch: 'e2', seq: 2 } });
    expect(resyncs).toHaveLength(1);
    await closeNow(c, clock);
  });
});

/** close() waits for the socket's close or a timer: the scripted socket closes at once. */
async function closeNow(c: ChainfanClient, clock: ManualClock): Promise<void> {
  const closing = c.close();
  clock.fireAll();
  await closing;
}

/** Lets every promise reaction queued so far run (no timer involved). */
function settled(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
