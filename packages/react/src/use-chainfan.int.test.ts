// @vitest-environment jsdom
// The hooks in a real React tree (jsdom) against a real WebSocket server speaking the evrmore-rpc protocol.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { createElement as h, type ReactNode, StrictMode, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as Ws } from 'ws';
import type { WebSocketConstructor } from '@chainfan/client';
import { ChainfanProvider } from './chainfan-provider.js';
import { EvrmoreWsServer } from './testing/evrmore-ws-server.js';
import { useChainfan, useChainfanConnection } from './use-chainfan.js';

const A = 'EXaMpLeAddr1111111111111111111111';
const B = 'EXaMpLeAddr2222222222222222222222';
const OPTIONS = { WebSocket: Ws as unknown as WebSocketConstructor, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } };

const block = (height: number) => ({ hash: height.toString(16).padStart(64, '0'), height, time: 1_700_000_000 + height, tx: [] });
const tx = (n: number, to: string) => ({
  txid: n.toString(16).padStart(64, '0'), hash: '', size: 1, vsize: 1, version: 2, locktime: 0, vin: [],
  vout: [{ value: 1, n: 0, scriptPubKey: { asm: '', hex: '', type: 'pubkeyhash', addresses: [to] } }],
});

let server: EvrmoreWsServer | undefined;

afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

function Height({ id }: { id: string }): ReactNode {
  const { data, status, count } = useChainfan('blocks');
  return h('p', { 'data-testid': id, 'data-status': status, 'data-count': count }, data ? String(data.height) : '-');
}

function Connection(): ReactNode {
  const c = useChainfanConnection();
  return h('p', { 'data-testid': 'conn', 'data-opens': c.opens }, c.state);
}

function app(children: ReactNode[]): ReactNode {
  return h(ChainfanProvider, { url: server!.url, options: OPTIONS }, h(Connection), ...children);
}

/** action and topic of each client frame (the SDK may add fields such as a resume position) */
const commands = (frames: readonly unknown[]): { action: unknown; topic: unknown }[] =>
  frames.map((f) => ({ action: (f as { action?: unknown }).action, topic: (f as { topic?: unknown }).topic }));
const text = (id: string): string => screen.getByTestId(id).textContent ?? '';
const attr = (id: string, name: string): string | null => screen.getByTestId(id).getAttribute(name);

describe('useChainfan (real WebSocket server)', () => {
  it('shares one subscription among components, delivers the latest data, unsubscribes after the last unmount', async () => {
    server = await EvrmoreWsServer.start();
    let setShown!: (n: number) => void;
    function Some(): ReactNode {
      const [shown, set] = useState(2);
      setShown = set;
      return h('div', null, ...[...Array(shown).keys()].map((i) => h(Height, { key: i, id: `h${i}` })));
    }
    render(h(StrictMode, null, app([h(Some, { key: 's' })])));
    await waitFor(() => expect(text('conn')).toBe('open'));
    await waitFor(() => expect(attr('h0', 'data-status')).toBe('subscribed'));
    expect(attr('h1', 'data-status')).toBe('subscribed');
    const conn = server.open[0]!;
    expect(server.open).toHaveLength(1); // StrictMode's double effects did not leave a second client behind
    expect(commands(conn.frames)).toEqual([{ action: 'subscribe', topic: 'blocks' }]); // and did not churn the subscription

    server.publish('blocks', 'block', block(41));
    server.publish('blocks', 'block', block(42));
    await waitFor(() => expect(text('h0')).toBe('42'));
    expect(text('h1')).toBe('42');
    expect(attr('h0', 'data-count')).toBe('2');

    setShown(1);
    await waitFor(() => expect(screen.queryByTestId('h1')).toBeNull());
    expect(conn.frames).toHaveLength(1); // one user left: still subscribed
    setShown(0);
    await waitFor(() => expect(commands(conn.frames).at(-1)).toEqual({ action: 'unsubscribe', topic: 'blocks' }));
    await waitFor(() => expect(conn.topics.size).toBe(0));
  });

  it('follows a changing topic and keeps recent messages newest first', async () => {
    server = await EvrmoreWsServer.start();
    let watch!: (a: string) => void;
    function Watch(): ReactNode {
      const [address, set] = useState('');
      watch = set;
      const r = useChainfan(address === '' ? undefined : `address:${address}`, { keep: 2 });
      return h('ul', { 'data-testid': 'watch', 'data-status': r.status }, ...r.messages.map((m) => h('li', { key: m.data.txid }, m.data.txid.slice(-2))));
    }
    render(app([h(Watch, { key: 'w' })]));
    await waitFor(() => expect(text('conn')).toBe('open'));
    expect(attr('watch', 'data-status')).toBe('idle');
    expect(server.open[0]!.frames).toEqual([]); // nothing subscribed for an empty topic

    watch(A);
    await waitFor(() => expect(attr('watch', 'data-status')).toBe('subscribed'));
    for (const n of [1, 2, 3]) server.publish(`address:${A}`, 'transaction', tx(n, A));
    await waitFor(() => expect(text('watch')).toBe('0302'));

    watch(B);
    await waitFor(() => expect(server!.open[0]!.topics).toEqual(new Set([`address:${B}`])));
    await waitFor(() => expect(attr('watch', 'data-status')).toBe('subscribed'));
    expect(text('watch')).toBe(''); // a new topic starts empty
    server.publish(`address:${B}`, 'transaction', tx(9, B));
    await waitFor(() => expect(text('watch')).toBe('09'));
    // the old topic is released a microtask after the new one is acquired, so the switch leaves no gap
    expect(commands(server.open[0]!.frames)).toEqual([
      { action: 'subscribe', topic: `address:${A}` },
      { action: 'subscribe', topic: `address:${B}` },
      { action: 'unsubscribe', topic: `address:${A}` },
    ]);
  });

  it('files an event sent for two overlapping topics once under each', async () => {
    server = await EvrmoreWsServer.start();
    function Feeds(): ReactNode {
      const all = useChainfan('transactions', { keep: 10 });
      const mine = useChainfan(`address:${A}`, { keep: 10 });
      return h('p', { 'data-testid': 'feeds', 'data-ready': all.status === 'subscribed' && mine.status === 'subscribed' }, `${all.count}/${mine.count}`);
    }
    render(app([h(Feeds, { key: 'f' })]));
    await waitFor(() => expect(attr('feeds', 'data-ready')).toBe('true'));
    const t = tx(5, A);
    server.publish('transactions', 'transaction', t);
    server.publish(`address:${A}`, 'transaction', t); // the edge sends it once per topic
    server.publish('transactions', 'transaction', tx(6, B));
    await waitFor(() => expect(text('feeds')).toBe('2/1'));
  });

  it('reports a refused topic with the server error code', async () => {
    server = await EvrmoreWsServer.start();
    function Bad(): ReactNode {
      const r = useChainfan('nonsense');
      return h('p', { 'data-testid': 'bad', 'data-status': r.status }, String(r.error?.serverCode ?? ''));
    }
    render(app([h(Bad, { key: 'b' })]));
    await waitFor(() => expect(attr('bad', 'data-status')).toBe('error'));
    expect(text('bad')).toBe('1001');
  });

  it('shows the connection going away and coming back, and data resumes without remounting', async () => {
    server = await EvrmoreWsServer.start();
    const states: string[] = [];
    function Track(): ReactNode {
      const c = useChainfanConnection();
      if (states.at(-1) !== c.state) states.push(c.state);
      return null;
    }
    render(app([h(Track, { key: 't' }), h(Height, { key: 'h', id: 'h' })]));
    await waitFor(() => expect(attr('h', 'data-status')).toBe('subscribed'));
    server.publish('blocks', 'block', block(1));
    await waitFor(() => expect(text('h')).toBe('1'));

    server.dropAll();
    await waitFor(() => expect(attr('conn', 'data-opens')).toBe('2'));
    await waitFor(() => expect(server!.open[0]?.topics.has('blocks')).toBe(true)); // re-subscribed by the client
    expect(text('conn')).toBe('open');
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    server.publish('blocks', 'block', block(2));
    await waitFor(() => expect(text('h')).toBe('2'));
    expect(attr('h', 'data-count')).toBe('2');
  });

  it('closes the client it created when the provider unmounts', async () => {
    server = await EvrmoreWsServer.start();
    const { unmount } = render(app([h(Height, { key: 'h', id: 'h' })]));
    await waitFor(() => expect(attr('h', 'data-status')).toBe('subscribed'));
    unmount();
    await waitFor(() => expect(server!.open).toHaveLength(0));
    expect(server.conns).toHaveLength(1); // and it did not reconnect
  });

  it('throws a clear error outside a provider', () => {
    const quiet = console.error;
    console.error = () => undefined; // React logs the render error before rethrowing it
    try {
      expect(() => render(h(Height, { id: 'x' }))).toThrow(/inside a <ChainfanProvider>/);
    } finally {
      console.error = quiet;
    }
  });
});
