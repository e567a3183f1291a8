// Internal ops HTTP endpoint of one app: /metrics (Prometheus text), /healthz (liveness), /readyz (readiness).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

/**
 * What an app reports about itself. `ready` is what load balancers act on; `checks` names each condition so a
 * 503 says which one failed (e.g. `{ bus: false, listening: true, draining: true }`).
 */
export interface ReadyReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean>>;
}

export interface OpsServerOptions {
  /** 0 picks a free port (tests); apps pass 9465 (edge) or 9466 (ingestor) */
  readonly port: number;
  readonly host?: string;
  readonly registry: Registry;
  /** called per /readyz request; must be cheap and synchronous. A throw counts as not ready. */
  readonly ready: () => ReadyReport;
  readonly log: Logger;
}

export interface OpsServer {
  readonly port: number;
  /** Idempotent; drops keep-alive connections (Prometheus holds one open) so shutdown never waits on a scraper. */
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** Resolves once listening; rejects with the listen error (e.g. EADDRINUSE) so the app can exit instead of running blind. */
export function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const log = opts.log.child({ component: 'ops' });
  const server = createServer((req, res) => {
    route(req, res, opts, log);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      server.on('error', (err) => log.error({ event: 'ops.error', err }, 'ops server error'));
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      log.info({ event: 'ops.listening', port }, 'ops endpoint listening');
      resolve({ port, close });
    });
  });
}

function route(req: IncomingMessage, res: ServerResponse, opts: OpsServerOptions, log: Logger): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    reply(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    return;
  }
  const path = (req.url ?? '/').split('?', 1)[0];
  switch (path) {
    case '/healthz':
      reply(req, res, 200, 'text/plain; charset=utf-8', 'ok\n');
      return;
    case '/readyz': {
      const report = readiness(opts.ready, log);
      const failing = Object.entries(report.checks).filter(([, passed]) => !passed).map(([name]) => name);
      const body = report.ready ? { ready: true, checks: report.checks } : { ready: false, checks: report.checks, failing };
      reply(req, res, report.ready ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
      return;
    }
    case '/metrics':
      opts.registry.metrics().then(
        (text) => reply(req, res, 200, opts.registry.contentType, text),
        (err: unknown) => {
          log.warn({ event: 'ops.metrics_failed', err }, 'collecting metrics failed');
          reply(req, res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
        },
      );
      return;
    default:
      reply(req, res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

function readiness(ready: () => ReadyReport, log: Logger): ReadyReport {
  try {
    return ready();
  } catch (err) {
    // a throwing probe is a bug in the app, but the answer to the load balancer must still be "not ready"
    log.error({ event: 'ops.ready_probe_failed', err }, 'readiness probe threw');
    return { ready: false, checks: { probe: false } };
  }
}

function reply(
  req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}
