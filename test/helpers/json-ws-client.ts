// A plain `ws` client for dialect tests: records every frame (parsed JSON) and the close, so tests wait on what a
// real client of that protocol would see.
import WebSocket from 'ws';
import { waitFor } from '@chainfan/testkit';

export type Json = Record<string, unknown>;

export class JsonWsClient {
  readonly frames: Json[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly #ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (d) => this.frames.push(JSON.parse(String(d)) as Json));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on('error', () => {
      // every failure also closes the socket, which is what tests look at
    });
  }

  /** Resolves once the socket is open (a socket the server closes right after opening still opens). */
  static connect(url: string, headers: Record<string, string> = {}): Promise<JsonWsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const c = new JsonWsClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(frame: object | string): void {
    this.#ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends and resolves with the first frame after it that matches. */
  async request(frame: object | string, match: (f: Json) => boolean, timeoutMs = 5_000): Promise<Json> {
    const from = this.frames.length;
    this.send(frame);
    return this.next(match, timeoutMs, from);
  }

  /** The first frame (from index `from`) that matches, waiting for it. */
  next(match: (f: Json) => boolean, timeoutMs = 10_000, from = 0): Promise<Json> {
    return waitFor(() => this.frames.slice(from).find(match), { timeoutMs, message: `frame matching ${match.toString().slice(0, 120)}` })
      .catch((err: unknown) => {
        // say what the socket did meanwhile: closed by the server, or open and silent
        const state = this.closed === undefined ? 'still open' : `closed ${this.closed.code} ${this.closed.reason}`;
        throw new Error(`${(err as Error).message} (socket ${state}, ${this.frames.length} frames, last ${JSON.stringify(this.frames.at(-1) ?? null).slice(0, 200)})`);
      });
  }

  ofType(type: string): Json[] {
    return this.frames.filter((f) => f['type'] === type);
  }

  waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { timeoutMs, message: 'close' });
  }

  close(): void {
    this.#ws.close();
  }
}

/** Shapes by field: each value a type name (`int`, `number`, `string`, `boolean`, `array`, `object`, `null`, or `a|b`). */
export function shapeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'number';
  return typeof v;
}

/** Asserts `obj` has exactly `spec`'s keys (no more, no fewer) with values of the given types; returns what failed. */
export function shapeProblems(obj: unknown, spec: Readonly<Record<string, string>>, exact = true): string[] {
  if (typeof obj !== 'object' || obj === null) return [`not an object: ${JSON.stringify(obj)}`];
  const o = obj as Json;
  const problems: string[] = [];
  for (const [k, types] of Object.entries(spec)) {
    if (!Object.hasOwn(o, k)) {
      problems.push(`missing ${k}`);
      continue;
    }
    const t = shapeOf(o[k]);
    const allowed = types.split('|');
    if (!allowed.includes(t) && !(t === 'int' && allowed.includes('number'))) problems.push(`${k}: ${t}, expected ${types}`);
  }
  if (exact) for (const k of Object.keys(o)) if (!Object.hasOwn(spec, k)) problems.push(`unexpected key ${k}`);
  return problems;
}
