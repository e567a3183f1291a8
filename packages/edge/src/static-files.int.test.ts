// The static directory on the edge's public port, through uWebSockets.js: GET/HEAD served with content types and
// validators, traversal refused on the raw request line, everything else still 426, WebSocket upgrades unaffected.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { UwsTransport } from './transport/uws-transport.js';
import type { WsHandlers } from './transport/ws-transport.js';

const base = mkdtempSync(join(tmpdir(), 'chainfan-static-int-'));
const root = join(base, 'dist');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>dash</title>');
writeFileSync(join(root, 'assets', 'app-abc.js'), 'export {}');
writeFileSync(join(base, 'secret.txt'), 'outside');

const opened: string[] = [];
const handlers: WsHandlers<string> = {
  upgrade: (req) => ({ accept: req.url, protocol: '' }),
  abandoned: () => undefined,
  open: (conn) => opened.push(conn.data),
  message: () => undefined,
  drain: () => undefined,
  close: () => undefined,
};

let withFiles: UwsTransport<string>;
let without: UwsTransport<string>;
let port: number;
let plainPort: number;

beforeAll(async () => {
  const opts = { maxPayloadBytes: 1_024, idleTimeoutSeconds: 30, hardBackpressureBytes: 65_536 };
  withFiles = new UwsTransport({ ...opts, staticDir: root }, handlers);
  without = new UwsTransport(opts, handlers);
  port = await withFiles.listen('127.0.0.1', 0);
  plainPort = await without.listen('127.0.0.1', 0);
});

afterAll(() => {
  withFiles.close();
  without.close();
  rmSync(base, { recursive: true, force: true });
});

/** One raw HTTP/1.1 request, so paths reach the server exactly as written (fetch would normalise `..`). */
function raw(p: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(p, '127.0.0.1', () => s.end(`${requestLine}\r\nhost: x\r\nconnection: close\r\n\r\n`));
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('UwsTransport with staticDir', () => {
  it('serves index.html at / and assets with their content types', async () => {
    const index = await fetch(`http://127.0.0.1:${port}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>dash</title>');
    const js = await fetch(`http://127.0.0.1:${port}/assets/app-abc.js?v=1`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('export {}');
  });

  it('answers If-None-Match with 304, HEAD without a body, a missing file with 404', async () => {
    const first = await fetch(`http://127.0.0.1:${port}/index.html`);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    const again = await fetch(`http://127.0.0.1:${port}/index.html`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const head = await raw(port, 'HEAD /assets/app-abc.js HTTP/1.1');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(head).toMatch(/content-length: 9\r\n/i);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/nope.js`)).status).toBe(404);
  });

  it('refuses traversal on the raw request line', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets%2F..%2F..%2Fsecret.txt']) {
      const r = await raw(port, `GET ${path} HTTP/1.1`);
      expect(r, path).toMatch(/^HTTP\/1\.1 404/);
      expect(r).not.toContain('outside');
    }
  });

  it('keeps 426 for other methods, and for every request without staticDir', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' })).status).toBe(426);
    expect((await fetch(`http://127.0.0.1:${plainPort}/`)).status).toBe(426);
  });

  it('still upgrades WebSocket requests at /', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.close();
    expect(opened).toContain('/');
  });
});
