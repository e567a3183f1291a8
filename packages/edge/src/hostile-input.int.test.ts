// Regression tests for hostile input on the socket path: names objects inherit, deep nesting, oversize and
// never-ending fragmented messages, and handlers that throw. Each ends in an error frame, a documented close or an
// HTTP 4xx for the one client, counted by reason; the edge keeps serving everyone else.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '@chainfan/bus';
import { type Dialect, evrmoreRpcDialect, zionDialect } from '@chainfan/protocol';
import { nested } from '@chainfan/protocol/testing';
import { waitFor } from '@chainfan/testkit';
import type { EdgeConfig } from './config.js';
import { type Harness, metricValue, startHarness } from './testing/edge-harness.js';
import type { WsTestClient } from './testing/ws-test-client.js';
import { PAYLOAD_HEADROOM_BYTES } from './transport/ws-transport.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

/** A dialect with a bug: decoding `boom` throws, and so does its welcome when asked to greet with `?greet=boom`. */
const buggy: Dialect = Object.freeze<Dialect>({
  ...evrmoreRpcDialect,
  name: 'buggy',
  decode(frame, isBinary) {
    if (typeof frame !== 'string' && Buffer.from(frame).toString() === 'boom') throw new Error('decoder bug');
    return evrmoreRpcDialect.decode(frame, isBinary);
  },
});
const greetsBadly: Dialect = Object.freeze<Dialect>({
  ...evrmoreRpcDialect,
  name: 'greeter',
  encodeWelcome() {
    throw new Error('welcome bug');
  },
});

async function edge(overrides: Partial<EdgeConfig> = {}): Promise<{ h: Harness; bystander: WsTestClient }> {
  const bus = new MemoryBus({ epoch: 'e1' });
  open.push(bus);
  const h = await startHarness(bus, overrides, { dialects: [evrmoreRpcDialect, zionDialect, buggy, greetsBadly] });
  open.push(h);
  const bystander = await h.connect();
  await bystander.command({ action: 'subscribe', topic: 'blocks' });
  return { h, bystander };
}

/** The edge still serves: the bystander gets the next block, and a new client can subscribe. */
async function stillServing(h: Harness, bystander: WsTestClient, height: number): Promise<void> {
  await h.publish({ channel: 'blocks', kind: 'block', body: `{"height":${height}}` });
  await waitFor(() => bystander.events('block').some((f) => (f.event?.data as { height?: number }).height === height), { message: `block ${height}` });
  const late = await h.connect();
  expect((await late.command({ action: 'subscribe', topic: 'sequence' })).json).toMatchObject({ type: 'subscription' });
}

function rawSocket(url: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('error', () => undefined); // a cut connection also emits close, which is what the tests read
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

describe('hostile input on the socket path', () => {
  it('answers a subscribe to __proto__ or constructor (with or without since) with an invalid-topic error and keeps serving', async () => {
    const { h, bystander } = await edge();
    const c = await h.connect();
    for (const topic of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      for (const since of [',"since":"now"', ',"since":{"epoch":"e1","seq":0}', '']) {
        const answer = await c.command(`{"action":"subscribe","topic":"${topic}"${since}}`);
        expect(answer.json).toEqual({ type: 'error', data: { code: 1001, message: `Invalid topic: ${topic}` } });
      }
    }
    expect(c.closed).toBeUndefined();
    expect(await metricValue(h.metrics.clientErrors, { reason: 'invalid_topic' })).toBe(12);
    expect(await metricValue(h.metrics.handlerFailures)).toBe(0);
    await stillServing(h, bystander, 1);
  });

  it('answers a 12 KB frame whose topic or action nests 6,000 levels deep with an error frame, counted as too_deep', async () => {
    const { h, bystander } = await edge();
    const c = await h.connect();
    for (const frame of [`{"action":"subscribe","topic":${nested(6_000)}}`, `{"action":${nested(6_000, '"subscribe"')},"topic":"blocks"}`]) {
      expect(frame.length).toBeGreaterThan(12_000);
      expect((await c.command(frame)).json).toMatchObject({ type: 'error', data: { code: 1005 } });
    }
    expect(await metricValue(h.metrics.clientErrors, { reason: 'too_deep' })).toBe(2);
    expect(c.closed).toBeUndefined();
    await stillServing(h, bystander, 2);
  });

  it('answers a deeply nested ZION JSON-RPC body with HTTP 400 and a JSON-RPC parse error, not 500', async () => {
    const { h, bystander } = await edge();
    const post = (body: string): Promise<Response> => fetch(`http://127.0.0.1:${h.port}/zion`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const deep = await post(`{"jsonrpc":"2.0","id":1,"method":"subscribe_events","params":${nested(6_000)}}`);
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({ jsonrpc: '2.0', result: null, error: { code: -32700 }, id: null });
    const garbage = await post('{"jsonrpc":');
    expect(garbage.status).toBe(400);
    const inherited = await post('{"jsonrpc":"2.0","id":2,"method":"get_websocket_status","params":{"__proto__":{"channels":["x"]}}}');
    expect(inherited.status).toBe(200);
    expect(await metricValue(h.metrics.clientErrors, { reason: 'invalid_http_body' })).toBe(2);
    await stillServing(h, bystander, 3);
  });

  it('closes a message just over the payload limit with 1009, its fragments counted as one message', async () => {
    const max = 64 * 1024;
    const { h, bystander } = await edge({ maxPayloadBytes: max });
    const { ws, closed } = await rawSocket(`${h.url}/`);
    const part = Buffer.alloc(max / 4, 0x61);
    for (let i = 0; i < 4; i++) ws.send(part, { fin: false });
    ws.send(Buffer.from('a'), { fin: true }); // 1 byte over, in the fifth fragment
    expect(await closed).toBe(1009);
    expect(await metricValue(h.metrics.clientErrors, { reason: 'frame_too_large' })).toBe(1);
    await stillServing(h, bystander, 4);
  });

  it('stops reading a fragmented message that never ends once it passes the limit (plus headroom), not a multiple of it', async () => {
    const max = 256 * 1024;
    const { h, bystander } = await edge({ maxPayloadBytes: max });
    const { ws, closed } = await rawSocket(`${h.url}/`);
    // twice the cap uWS enforces, never finished: before, uWS buffered up to 4 × the limit and kept waiting
    const part = Buffer.alloc(16 * 1024, 0x61);
    for (let sent = 0; sent < 2 * (max + PAYLOAD_HEADROOM_BYTES); sent += part.byteLength) ws.send(part, { fin: false });
    const code = await closed;
    expect([1006, 1009]).toContain(code);
    await waitFor(async () => (await metricValue(h.metrics.connectionsClosed, { reason: 'frame_too_large' })) === 1, { message: 'counted as frame_too_large' });
    await stillServing(h, bystander, 5);
  });

  it('costs only the socket whose handler throws: 1011, counted by handler, the process and other clients unharmed', async () => {
    const { h, bystander } = await edge();
    const victim = await h.connect('/buggy');
    victim.send(Buffer.from('boom'));
    expect((await victim.waitForClose()).code).toBe(1011);
    const greeted = await h.connect('/greeter').catch(() => undefined);
    if (greeted !== undefined) expect((await greeted.waitForClose()).code).toBe(1011);
    expect(await metricValue(h.metrics.handlerFailures, { handler: 'message' })).toBe(1);
    expect(await metricValue(h.metrics.handlerFailures, { handler: 'open' })).toBe(1);
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'internal' })).toBe(2);
    await stillServing(h, bystander, 6);
  });
});
