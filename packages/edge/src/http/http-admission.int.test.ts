// Plain HTTP on the public port follows the admission of upgrades: a browser Origin outside the allow-list is
// refused 403 before any JSON-RPC method runs (a text/plain form post cannot reach broadcast_event), CORS answers
// name allowed origins only, and credentials are required where upgrades require them. Real uWS edge, real HTTP.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus, StaticKeyStore } from '@chainfan/bus';
import { evrmoreRpcDialect, zionDialect } from '@chainfan/protocol';
import { Authenticator } from '../auth/authenticator.js';
import { OriginPolicy } from '../auth/origin-policy.js';
import { TopicAcl } from '../auth/topic-acl.js';
import { systemClock } from '../clock.js';
import { type Harness, metricValue, silentLog, startHarness } from '../testing/edge-harness.js';

const ADMIN = 'admin-key-1';
const ALLOWED = 'https://app.example.com';
const EVIL = 'https://evil.example';

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

function http(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function edge(anonymous: TopicAcl): Promise<Harness> {
  const bus = new MemoryBus();
  open.push(bus);
  const h = await startHarness(bus, {}, {
    dialects: [evrmoreRpcDialect, zionDialect],
    origins: new OriginPolicy([ALLOWED]),
    authenticator: new Authenticator({ adminKeys: new StaticKeyStore([ADMIN]), anonymous, clock: systemClock, log: silentLog }),
  });
  open.push(h);
  return h;
}

const broadcast = (n: number) => JSON.stringify({ jsonrpc: '2.0', method: 'broadcast_event', params: { event_type: 'notice', data: { n } }, id: n });

describe('HTTP admission (POST /zion) follows the upgrade rules', () => {
  it('refuses a text/plain form post of broadcast_event from a disallowed Origin with 403 and no CORS headers, before it runs', async () => {
    const h = await edge(TopicAcl.ALL);
    const forged = await http(h.port, 'POST', `/zion?token=${ADMIN}`, { origin: EVIL, 'content-type': 'text/plain' }, broadcast(1));
    expect(forged.status).toBe(403);
    expect(forged.headers['access-control-allow-origin']).toBeUndefined();
    expect(JSON.parse(forged.body)).toMatchObject({ code: 1103 });
    expect(await metricValue(h.metrics.authFailures, { reason: 'origin' })).toBe(1);
    // the same call from the allowed origin runs, and it is the first broadcast: the forged one never reached the bus
    const allowed = await http(h.port, 'POST', `/zion?token=${ADMIN}`, { origin: ALLOWED, 'content-type': 'application/json' }, broadcast(2));
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(allowed.headers['vary']).toBe('Origin');
    expect(JSON.parse(allowed.body)).toMatchObject({ result: { status: 'broadcast', seq: 1 }, id: 2 });
    // a client that sends no Origin (not a browser) is judged by its credentials alone, and gets no CORS headers
    const cli = await http(h.port, 'POST', `/zion?token=${ADMIN}`, { 'content-type': 'application/json' }, broadcast(3));
    expect(cli.status).toBe(200);
    expect(cli.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const h = await edge(TopicAcl.ALL);
    const ok = await http(h.port, 'OPTIONS', '/zion', { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' });
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'authorization, content-type', vary: 'Origin',
    });
    const evil = await http(h.port, 'OPTIONS', '/zion', { origin: EVIL, 'access-control-request-method': 'POST' });
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    expect(evil.headers['access-control-allow-methods']).toBeUndefined();
    const put = await http(h.port, 'OPTIONS', '/zion', { origin: ALLOWED, 'access-control-request-method': 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers['access-control-allow-origin']).toBeUndefined();
    expect((await http(h.port, 'OPTIONS', '/not-zion', { origin: ALLOWED, 'access-control-request-method': 'POST' })).status).toBe(404);
  });

  it('requires credentials on HTTP where upgrades require them (no topic open anonymously: 401 without a key)', async () => {
    const h = await edge(TopicAcl.NONE);
    const status = JSON.stringify({ jsonrpc: '2.0', method: 'get_websocket_status', id: 1 });
    expect((await http(h.port, 'POST', '/zion', { origin: ALLOWED, 'content-type': 'application/json' }, status)).status).toBe(401);
    expect((await http(h.port, 'POST', '/zion?token=wrong-key', { 'content-type': 'application/json' }, status)).status).toBe(401);
    expect((await http(h.port, 'POST', `/zion?token=${ADMIN}`, { origin: ALLOWED, 'content-type': 'application/json' }, status)).status).toBe(200);
  });
});
