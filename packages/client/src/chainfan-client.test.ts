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
