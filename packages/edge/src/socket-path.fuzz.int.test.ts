// Property-based fuzz of the whole socket path of a running edge (real uWS, MemoryBus, every dialect): hostile
// frames — prototype names, deep nesting, numbers past double range, huge strings, invalid UTF-8, binary, fragmented
// and never-finished messages, oversize messages, mutations of every dialect's requests — from short-lived sockets,
// while a bystander reads blocks. The edge must stay up, never hit a handler bug (1011), keep the bystander served
// and stay within an RSS bound. Budget: CHAINFAN_FUZZ_RUNS sockets (npm run fuzz), a small default in npm test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WebSocket } from 'ws';
import { MemoryBus } from '@chainfan/bus';
import { chainfanDialect, evrmoreRpcDialect, rustoriumDialect, theBlockDialect, zionDialect } from '@chainfan/protocol';
import { fuzzRuns, type HostileFrame, hostileFrame } from '@chainfan/protocol/testing';
import { waitFor } from '@chainfan/testkit';
import { type Harness, metricValue, startHarness } from './testing/edge-harness.js';

const RUNS = fuzzRuns(120);
const MAX_PAYLOAD = 64 * 1024;
/**
 * Where hostile sockets connect, and a last request each dialect answers: sent after the hostile frames, its answer
 * means the edge has handled everything before it (answers keep the order of requests), async commands included.
 */
const PATHS: ReadonlyMap<string, { readonly request: string; readonly answer: string }> = new Map([
  ['/', { request: '{"action":"subscribe","topic":"asset:FUZZ.END"}', answer: 'FUZZ.END' }],
  ['/evrmore-rpc?batch=1', { request: '{"action":"subscribe","topic":"asset:FUZZ.END"}', answer: 'FUZZ.END' }],
  ['/chainfan', { request: '{"action":"ping","id":"fuzz-end"}', answer: 'fuzz-end' }],
  ['/theblock', { request: '{"type":"ping"}', answer: '"pong"' }],
  ['/zion', { request: '{"type":"ping"}', answer: '"pong"' }],
  ['/?dialect=zion', { request: '{"type":"ping"}', answer: '"pong"' }],
  ['/rustorium', { request: '{"type":"ping","id":"fuzz-end"}', answer: 'fuzz-end' }],
]);
/** Closes an edge may answer hostile input with; 1011 (a handler bug) is not among them. */
const DOCUMENTED_CLOSES = new Set([1000, 1001, 1005, 1006, 1008, 1009, 4000, 4001, 4002, 4003, 4008, 4029]);

/** One socket's worth of hostile traffic: where it connects, its frames (some fragmented), how it ends. */
interface Episode {
  readonly path: string;
  readonly frames: readonly { readonly frame: HostileFrame; readonly fragments: number }[];
  /** a message left unfinished (fragments without fin), or one far over the payload limit */
  readonly tail: 'none' | 'unfinished' | 'oversize';
  readonly ending: 'close' | 'terminate';
}

const episode: fc.Arbitrary<Episode> = fc.record({
  path: fc.constantFrom(...PATHS.keys()),
  frames: fc.array(fc.record({ frame: hostileFrame, fragments: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 8 }),
  tail: fc.constantFrom('none', 'none', 'none', 'unfinished', 'oversize'),
  ending: fc.constantFrom('close', 'terminate'),
});

function send(ws: WebSocket, f: HostileFrame, fragments: number): void {
  const data = typeof f.payload === 'string' ? Buffer.from(f.payload, 'utf8') : Buffer.from(f.payload);
  const size = Math.ceil(data.length / fragments) || 1;
  // `ws` keeps the opcode of the first fragment (text or binary) for the continuations
  for (let at = 0, i = 0; i < fragments; i++, at += size) ws.send(data.subarray(at, at + size), { binary: f.binary, fin: i === fragments - 1 });
}

/**
 * Runs one episode; resolves with the close code the client saw. Complete episodes end with the dialect's last
 * request and wait for its answer (or the edge's close) before hanging up, so every hostile frame was acted on.
 */
function play(url: string, e: Episode): Promise<number> {
  const last = PATHS.get(e.path)!;
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url}${e.path}`, { maxPayload: 16 * 1024 * 1024 });
    const end = (): void => {
      if (e.ending === 'close') ws.close(1000);
      else ws.terminate();
    };
    ws.on('error', () => undefined); // cut connections also emit close
    ws.on('close', (code) => resolve(code));
    ws.on('message', (d: Buffer) => {
      if (e.tail === 'none' && d.toString().includes(last.answer)) end();
    });
    ws.once('open', () => {
      for (const { frame, fragments } of e.frames) send(ws, frame, fragments);
      if (e.tail === 'none') {
        ws.send(last.request);
        return;
      }
      if (e.tail === 'unfinished') ws.send(Buffer.alloc(1_024, 0x7b), { fin: false });
      else ws.send(Buffer.alloc(MAX_PAYLOAD + 1 + e.frames.length * 40_000, 0x20));
      setImmediate(end);
    });
  });
}

describe('the socket path of a running edge under hostile frames', () => {
  let bus: MemoryBus;
  let h: Harness;
  let bystander: { last: number; ws: WebSocket };

  beforeAll(async () => {
    bus = new MemoryBus({ epoch: 'e1' });
    h = await startHarness(
      bus,
      { maxPayloadBytes: MAX_PAYLOAD, messageRatePerSecond: 10_000, messageBurst: 10_000 },
      { dialects: [evrmoreRpcDialect, chainfanDialect, theBlockDialect, zionDialect, rustoriumDialect] },
    );
    const ws = new WebSocket(`${h.url}/`);
    bystander = { last: 0, ws };
    ws.on('message', (d: Buffer) => {
      const m = /"height":(\d+)/.exec(d.toString());
      if (m !== null) bystander.last = Number(m[1]);
    });
    await new Promise((r) => ws.once('open', r));
    ws.send('{"action":"subscribe","topic":"blocks"}');
    await waitFor(() => h.edge.stats().subscriptions === 1, { message: 'bystander subscribed' });
  });

  afterAll(async () => {
    bystander.ws.terminate();
    await h.close();
    await bus.close();
  });

  it(`stays up, keeps a bystander served and never fails a handler (${RUNS} hostile sockets)`, async () => {
    const started = performance.now();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let height = 0;
    let frames = 0;
    await fc.assert(
      fc.asyncProperty(episode, async (e) => {
        frames += e.frames.length;
        const code = await play(h.url, e);
        expect(DOCUMENTED_CLOSES.has(code)).toBe(true);
        expect(h.edge.ready().checks.listening).toBe(true);
        // the bystander still gets what is published, after whatever this socket sent
        await h.publish({ channel: 'blocks', kind: 'block', body: `{"height":${++height}}` });
        await waitFor(() => bystander.last === height, { message: `bystander block ${height}` });
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }),
      { numRuns: RUNS },
    );
    expect(await metricValue(h.metrics.handlerFailures)).toBe(0);
    await waitFor(() => h.edge.stats().connections === 1, { timeoutMs: 10_000, message: 'only the bystander left' });
    const grownMb = (rssPeak - rssBefore) / 1_048_576;
    const errors = await metricValue(h.metrics.clientErrors);
    console.info(`fuzz socket path: ${RUNS} sockets, ${frames} frames, ${errors} client errors counted, RSS +${grownMb.toFixed(0)} MiB, ${Math.round(performance.now() - started)} ms`);
    expect(grownMb).toBeLessThan(256);
  }, 30_000 + RUNS * 250);
});
