// deploy/nginx as shipped, in front of real edges, for what sits between a client and an edge: the client's address
// reaches the edge (per-address limits count clients from several 127.0.0.x sources, not nginx), the TLS server
// block terminates wss:// with a certificate made here, stub_status counts connections, and
// worker_shutdown_timeout ends the old workers' WebSockets after a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { freePort, waitFor } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import { metricSum } from './helpers/ops-metrics.js';
import { edgePorts } from './helpers/role-ports.js';
import { NginxProcess, nginxConfigTest, prepareNginxConfig, SHIPPED_NGINX_DIR } from './helpers/nginx.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PER_ADDRESS = 2;

/** The edge environment compose runs behind its nginx (x-edge), so the test runs what is shipped. */
function composeEdgeEnv(): Record<string, string> {
  const compose = parse(readFileSync(join(ROOT, 'deploy/compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { environment: Record<string, string> }> };
  return compose.services['edge-1']!.environment;
}

/** A self-signed certificate for 127.0.0.1, made with openssl for this run. */
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chainfan-cert-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Outcome = WebSocket | number;

/** Opens a WebSocket from one source address; resolves with the socket or the HTTP status that refused it. */
function open(url: string, localAddress: string, opts: { headers?: Record<string, string>; ca?: string } = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, headers: opts.headers, ca: opts.ca });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

const statuses = (list: readonly Outcome[]) => list.map((o) => (typeof o === 'number' ? o : 101));

async function startEdge(env: Record<string, string>): Promise<{ proc: ChainfanProcess; port: number; opsPort: number }> {
  const proc = new ChainfanProcess('edge', [], {
    CHAINFAN_BUS: 'memory', CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_EDGE_OPS_PORT: '0',
    CHAINFAN_EDGE_MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS), ...env,
  });
  return { proc, ...(await edgePorts(proc)) };
}

describe('deploy/nginx between clients and edges', () => {
  const sockets: WebSocket[] = [];
  const keep = (list: readonly Outcome[]) => {
    for (const o of list) if (typeof o !== 'number') sockets.push(o);
    return list;
  };

  afterAll(() => {
    for (const s of sockets) s.terminate();
  });

  it('ships worker_shutdown_timeout, stub_status and a TLS server that nginx -t accepts', () => {
    const main = readFileSync(join(SHIPPED_NGINX_DIR, 'nginx.conf'), 'utf8');
    expect(main).toMatch(/^worker_shutdown_timeout \d+s;$/m);
    expect(readFileSync(join(SHIPPED_NGINX_DIR, 'conf.d/chainfan.conf'), 'utf8')).toMatch(/location = \/stub_status \{\s*stub_status;/);
    const tls = readFileSync(join(SHIPPED_NGINX_DIR, 'tls/chainfan-tls.conf'), 'utf8');
    expect(tls).toMatch(/ssl_protocols TLSv1\.2 TLSv1\.3;/);
    expect(tls).toContain('include snippets/chainfan-proxy.conf;');
    const { dir } = prepareNginxConfig({ upstreams: ['127.0.0.1:18765'], listenPort: 18080, tls: { port: 18443, ...selfSigned() } });
    try {
      const r = nginxConfigTest(dir);
      expect(r.output).toContain('test is successful');
      expect(r.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('client addresses', () => {
    let trusted: Awaited<ReturnType<typeof startEdge>>;
    let untrusted: Awaited<ReturnType<typeof startEdge>>;
    let nginx: NginxProcess;
    let control: NginxProcess;
    let tls: { cert: string; key: string };
    let tlsPort: number;
    let statusPort: number;

    beforeAll(async () => {
      const shipped = composeEdgeEnv();
      expect(shipped['CHAINFAN_EDGE_TRUST_FORWARDED_FOR']).toBe('true');
      [trusted, untrusted] = await Promise.all([
        startEdge({ CHAINFAN_EDGE_TRUST_FORWARDED_FOR: shipped['CHAINFAN_EDGE_TRUST_FORWARDED_FOR']! }),
        startEdge({ CHAINFAN_EDGE_TRUST_FORWARDED_FOR: 'false' }),
      ]);
      tls = selfSigned();
      tlsPort = await freePort();
      statusPort = await freePort();
      nginx = await NginxProcess.start({ upstreams: [`127.0.0.1:${trusted.port}`], listenPort: await freePort(), statusPort, tls: { port: tlsPort, ...tls } });
      control = await NginxProcess.start({ upstreams: [`127.0.0.1:${untrusted.port}`], listenPort: await freePort() });
    }, 120_000); // two edges starting on a busy machine

    afterAll(async () => {
      for (const s of sockets.splice(0)) s.terminate();
      await nginx?.stop();
      await control?.stop();
      await Promise.all([trusted?.proc.stop(), untrusted?.proc.stop()]);
    });

    it('per-address limits count each client behind the shipped nginx (as compose runs the edges), not the proxy', async () => {
      const url = `ws://127.0.0.1:${nginx.port}/`;
      const sources = ['127.0.0.31', '127.0.0.32', '127.0.0.33'];
      // PER_ADDRESS from each of three addresses: 6 sockets through one nginx address, all admitted
      const first = keep(await Promise.all(sources.flatMap((a) => Array.from({ length: PER_ADDRESS }, () => open(url, a)))));
      expect(statuses(first)).toEqual(new Array(sources.length * PER_ADDRESS).fill(101));
      // one more from an address at its limit: refused by the edge (nginx's own per-IP limit is far higher)
      expect(await open(url, '127.0.0.31')).toBe(429);
      // a client naming someone else in X-Forwarded-For is still counted as itself (nginx appends the real address)
      expect(await open(url, '127.0.0.32', { headers: { 'X-Forwarded-For': '203.0.113.9' } })).toBe(429);
      // a fresh address is admitted
      expect(statuses(keep([await open(url, '127.0.0.34')]))).toEqual([101]);
      expect(await metricSum(trusted.opsPort, 'chainfan_edge_connections')).toBe(sources.length * PER_ADDRESS + 1);
    });

    it('without CHAINFAN_EDGE_TRUST_FORWARDED_FOR the edge would count nginx: the third client of any address is refused', async () => {
      const url = `ws://127.0.0.1:${control.port}/`;
      const got = keep(await Promise.all(['127.0.0.41', '127.0.0.42', '127.0.0.43'].map((a) => open(url, a))));
      expect(statuses(got).sort()).toEqual([101, 101, 429]);
    });

    it('terminates TLS with the shipped server block and still passes the client address', async () => {
      const url = `wss://127.0.0.1:${tlsPort}/`;
      const got = keep(await Promise.all(Array.from({ length: PER_ADDRESS }, () => open(url, '127.0.0.51', { ca: tls.cert }))));
      expect(statuses(got)).toEqual([101, 101]);
      expect(await open(url, '127.0.0.51', { ca: tls.cert })).toBe(429);
      // an untrusted certificate is refused by the client, so TLS really is in the path
      await expect(open(url, '127.0.0.52')).rejects.toThrow(/self[- ]signed|certificate/i);
    });

    it('stub_status counts the open WebSockets', async () => {
      const text = await (await fetch(`http://127.0.0.1:${statusPort}/stub_status`)).text();
      const active = Number(/^Active connections: (\d+)/m.exec(text)?.[1]);
      // every socket these tests keep open through this nginx, plus this request
      const open = sockets.filter((s) => s.readyState === WebSocket.OPEN && (s.url.includes(`:${nginx.port}/`) || s.url.includes(`:${tlsPort}/`))).length;
      expect(open).toBeGreaterThanOrEqual(9);
      expect(active).toBeGreaterThanOrEqual(open + 1);
      expect(text).toMatch(/server accepts handled requests\n \d+ \d+ \d+/);
    });
  });

  it('worker_shutdown_timeout closes the old workers\' WebSockets after a reload; new connections reach the new workers', async () => {
    const edge = await startEdge({ CHAINFAN_EDGE_MAX_CONNECTIONS_PER_ADDRESS: '0' });
    let nginx: NginxProcess | undefined;
    try {
      // inside the try: when nginx cannot start, the edge is still stopped (it would outlive the test)
      nginx = await NginxProcess.start({ upstreams: [`127.0.0.1:${edge.port}`], listenPort: await freePort(), workerShutdownTimeout: '1s' });
      const url = `ws://127.0.0.1:${nginx.port}/`;
      const ws = await open(url, '127.0.0.61');
      if (typeof ws === 'number') throw new Error(`refused ${ws}`);
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      nginx.reload();
      // the old worker keeps the socket until the timeout, then closes it (no close frame: 1006); the client reconnects
      expect(await closed).toBe(1006);
      const again = await waitFor(async () => {
        const o = await open(url, '127.0.0.61').catch(() => 0);
        return typeof o === 'number' ? undefined : o;
      }, { timeoutMs: 10_000, message: 'a new connection after the reload' });
      again.close();
      await waitFor(async () => (await metricSum(edge.opsPort, 'chainfan_edge_connections')) === 0, { timeoutMs: 10_000, message: 'edge sees both sockets closed' });
    } finally {
      await nginx?.stop();
      await edge.proc.stop();
    }
  });
});
