// JSON-RPC over HTTP the way bitcoind serves it: POST only, basic auth, single or batch calls, `{result,error,id}` replies.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { RPC_ERROR, RpcError } from './rpc-error.js';
import type { StallGate } from './stall-gate.js';

/** Runs one method. Params are positional (an object of named params is mapped by the dispatcher). */
export type RpcDispatch = (method: string, params: readonly unknown[] | Readonly<Record<string, unknown>>) => unknown;

export interface RpcServerOptions {
  readonly host: string;
  /** 0 binds an ephemeral port; read it back from `listen()`. */
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly maxBodyBytes: number;
  /**
   * Fault injection: while held, parsed requests wait before running (as RPC threads blocked on the node's main lock),
   * then run against the state of that moment. A client that gave up meanwhile gets no reply.
   */
  readonly stall?: StallGate;
}

interface ReplyObject {
  readonly result: unknown;
  readonly error: { readonly code: number; readonly message: string } | null;
  readonly id: unknown;
}

export class RpcServer {
  readonly #opts: RpcServerOptions;
  readonly #dispatch: RpcDispatch;
  readonly #server: Server;
  readonly #expectedAuth: Buffer;
  #closing: Promise<void> | undefined;

  constructor(opts: RpcServerOptions, dispatch: RpcDispatch) {
    this.#opts = opts;
    this.#dispatch = dispatch;
    this.#expectedAuth = Buffer.from(`Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        // Only a bug gets here (every expected failure becomes a JSON-RPC error); answer rather than hang the client.
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
    });
    this.#server.keepAliveTimeout = 30_000;
  }

  /** Resolves to `http://host:port/` with the bound port. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#opts.port, this.#opts.host, () => {
        this.#server.off('error', reject);
        const addr = this.#server.address() as AddressInfo;
        const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        resolve(`http://${host}:${addr.port}/`);
      });
    });
  }

  /** Idempotent: stops accepting, drops idle keep-alive sockets, resolves when the server is closed. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.#authorized(req.headers.authorization)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="jsonrpc"', 'Content-Length': '0' });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, 'JSONRPC server handles only POST requests');
      return;
    }
    const body = await readBody(req, this.#opts.maxBodyBytes);
    if (body === undefined) {
      res.setHeader('Connection', 'close'); // the rest of the body is never read; the socket goes once we have answered
      send(res, 413, 'Request body too large');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      replyJson(res, 500, reply(null, new RpcError(RPC_ERROR.parseError, 'Parse error')));
      return;
    }
    const stalled = this.#opts.stall?.passed();
    if (stalled !== undefined) {
      await stalled;
      if (res.socket === null || res.socket.destroyed) return;
    }
    if (Array.isArray(parsed)) {
      // bitcoind answers a batch with 200 and one reply per element, errors included.
      const replies: ReplyObject[] = [];
      for (const call of parsed) replies.push(await this.#call(call));
      replyJson(res, 200, replies);
      return;
    }
    if (parsed === null || typeof parsed !== 'object') {
      replyJson(res, 500, reply(null, new RpcError(RPC_ERROR.parseError, 'Top-level object parse error')));
      return;
    }
    const r = await this.#call(parsed);
    replyJson(res, r.error === null ? 200 : httpStatusFor(r.error.code), r);
  }

  async #call(call: unknown): Promise<ReplyObject> {
    if (call === null || typeof call !== 'object' || Array.isArray(call)) {
      return reply(null, new RpcError(RPC_ERROR.invalidRequest, 'Invalid Request object'));
    }
    const { method, params, id = null } = call as { method?: unknown; params?: unknown; id?: unknown };
    if (typeof method !== 'string') return reply(id, new RpcError(RPC_ERROR.invalidRequest, 'Method must be a string'));
    const args = params === undefined || params === null ? [] : params;
    if (typeof args !== 'object') return reply(id, new RpcError(RPC_ERROR.invalidRequest, 'Params must be an array or object'));
    try {
      const result = await this.#dispatch(method, args as readonly unknown[] | Record<string, unknown>);
      return { result: result === undefined ? null : result, error: null, id };
    } catch (err) {
      return reply(id, err);
    }
  }

  #authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    const got = Buffer.from(header);
    return got.length === this.#expectedAuth.length && timingSafeEqual(got, this.#expectedAuth);
  }
}

function reply(id: unknown, err: unknown): ReplyObject {
  const e = err instanceof RpcError ? err : new RpcError(RPC_ERROR.miscError, err instanceof Error ? err.message : String(err));
  return { result: null, error: { code: e.code, message: e.message }, id };
}

/** bitcoind's JSONErrorReply: invalid request → 400, unknown method → 404, every other error → 500. */
function httpStatusFor(code: number): number {
  if (code === RPC_ERROR.invalidRequest) return 400;
  if (code === RPC_ERROR.methodNotFound) return 404;
  return 500;
}

function replyJson(res: ServerResponse, status: number, value: unknown): void {
  const text = `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Resolves to the body, or undefined as soon as it exceeds `limit` bytes (the caller then answers 413 and drops the socket). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= limit) {
        chunks.push(c);
        return;
      }
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
