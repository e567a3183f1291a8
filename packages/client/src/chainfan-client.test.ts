import { afterEach, describe, expect, it, vi } from 'vitest';
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
