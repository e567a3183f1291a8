// Contract every Dialect implementation runs: total decoding, bounded work, well-formed frames,
// derived streams that survive any envelope.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BUS_CHANNELS, type BusChannel } from '../channels.js';
import { composeWire, type Envelope, type RoutingKeys } from '../envelope.js';
import type { ClientCommand, DerivedOutput, Dialect, Target } from './dialect.js';

/** Any UTF-16 code unit, lone surrogates included (fast-check's 'binary' unit is much slower to generate). */
const UTF16_UNIT = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

const COMMAND_TYPES = new Set(['subscribe', 'unsubscribe', 'ping', 'status', 'rpc', 'invalid', 'batch', 'ignore']);

const TXID = 'ab'.repeat(32);

/** Bodies shaped like the ingestor's, so mapping dialects reach their mapping code and not only their guards. */
const SAMPLE_BODIES: Readonly<Record<string, string>> = {
  block: JSON.stringify({ hash: 'cd'.repeat(32), height: 7, time: 1_700_000_000, tx: [TXID], previousblockhash: 'ef'.repeat(32), difficulty: 1.5 }),
  tx: JSON.stringify({ txid: TXID, vin: [], vout: [] }),
  asset: JSON.stringify({ txid: TXID, asset: 'ROCKET', amount: 5, type: 'transfer', vout: 1, address: 'EXyz' }),
  mempool: JSON.stringify({ size: 3, bytes: 900, usage: 2000 }),
  network: JSON.stringify({ height: 7, best_block_hash: 'cd'.repeat(32), difficulty: 2, connections: 3, mempool_size: 1, mempool_bytes: 250, tps: 0.5, block_interval_s: 61, network: 'main', subversion: '/x/' }),
  peers: JSON.stringify({ peers: [{ id: 0, addr: '10.0.0.1:8820', inbound: false, ping_ms: 12, subver: '/x/', synced_blocks: 7 }], total: 1 }),
  tx_status: JSON.stringify({ txid: TXID, status: 'confirmed', confirmations: 1, blockhash: 'cd'.repeat(32), height: 7 }),
  confirmations: JSON.stringify({ tip_height: 8, tip_hash: 'cd'.repeat(32), blocks: [{ height: 7, hash: 'cd'.repeat(32), confirmations: 2 }] }),
  broadcast: JSON.stringify({ event_type: 'x', data: { a: 1 }, timestamp: 1 }),
  reorg: JSON.stringify({ fork_height: 3, fork_hash: 'ef'.repeat(32), depth: 1, disconnected: [], connected: [] }),
};

const KINDS = [...Object.keys(SAMPLE_BODIES), 'sequence', 'x-custom', 'constructor', '__proto__'];

function envelope(kind: string, body: string, channel: BusChannel = 'blocks', keys: RoutingKeys = {}): Envelope {
  const tail = `"ch":"${channel}","ts":1,"k":${JSON.stringify(kind)}}\n${body}`;
  return { v: 1, channel, epoch: 'e1', seq: 1, ts: 1_700_000_000_000, kind, keys, body, wire: composeWire('e1', 1, tail) };
}

const anyBody = (kind: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(SAMPLE_BODIES[kind] ?? '{}'),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.dictionary(fc.constantFrom('txid', 'height', 'hash', 'tx', 'peers', 'blocks', 'status', 'confirmations', 'asset', 'amount', 'connections', 'event_type'), fc.jsonValue({ maxDepth: 2 }))
      .map((o) => JSON.stringify(o)),
    fc.string({ maxLength: 40 }),
  );

const anyEnvelope = (channels: readonly BusChannel[]): fc.Arbitrary<Envelope> =>
  fc.tuple(fc.constantFrom(...KINDS), fc.constantFrom(...channels), fc.option(fc.constantFrom(TXID, 'zz'), { nil: undefined }))
    .chain(([kind, channel, tx]) => anyBody(kind).map((body) => envelope(kind, body, channel, tx === undefined ? {} : { tx })));

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const ab = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(ab).set(bytes);
  return ab;
}

function assertTarget(dialect: Dialect, t: Target): void {
  if (t.type === 'topic') expect(typeof t.topic.key).toBe('string');
  else expect(dialect.derived?.has(t.stream)).toBe(true);
}

function assertWellFormed(dialect: Dialect, cmd: ClientCommand, nested = false): void {
  expect(COMMAND_TYPES.has(cmd.type)).toBe(true);
  switch (cmd.type) {
    case 'invalid':
      expect(Number.isInteger(cmd.error.code)).toBe(true);
      expect(cmd.error.message.length).toBeLessThanOrEqual(512);
      break;
    case 'subscribe':
    case 'unsubscribe':
      assertTarget(dialect, cmd.target);
      expect(cmd.raw.length).toBeLessThanOrEqual(512);
      break;
    case 'batch':
      expect(nested).toBe(false);
      for (const c of cmd.commands) assertWellFormed(dialect, c, true);
      break;
    default:
      break;
  }
  if ('ref' in cmd && cmd.ref !== undefined) expect(() => JSON.parse(cmd.ref!)).not.toThrow();
}

/** Collects what a derived state emits, wanting every variant. */
function collector(): DerivedOutput & { frames: string[] } {
  const frames: string[] = [];
  return { frames, wants: () => true, emit: (_v, f) => frames.push(f) };
}

export function describeDialectContract(name: string, dialect: Dialect): void {
  const decodeOk = (frame: ArrayBuffer | string, bin: boolean): void => assertWellFormed(dialect, dialect.decode(frame, bin));

  describe(`${name} satisfies Dialect`, () => {
    it('decodes any text frame without throwing, into a well-formed command', () => {
      fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: UTF16_UNIT, maxLength: 300 })), fc.boolean(), decodeOk), { numRuns: 500 });
    });

    it('decodes any bytes without throwing, including invalid UTF-8', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, bin) => decodeOk(toArrayBuffer(bytes), bin)), { numRuns: 500 });
    });

    it('decodes any JSON document without throwing', () => {
      fc.assert(fc.property(fc.json({ maxDepth: 4 }), (text) => {
        decodeOk(text, false);
        decodeOk(toArrayBuffer(new TextEncoder().encode(text)), true);
      }), { numRuns: 500 });
    });

    it('decodes JSON objects shaped like any dialect\'s requests without throwing', () => {
      const words = fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'get_status', 'blocks', 'all', 'network_metrics', 'receipts', 'blockchain', 'mining',
        'transactions', 'state', 'getblockcount', 'blocks:c3', 'transactions:c2');
      const value = fc.oneof(fc.string({ maxLength: 40 }), words, fc.array(words, { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }),
        fc.record({ channel: words, filter: fc.oneof(fc.record({ confirmations: fc.integer({ min: -2, max: 200 }) }), fc.jsonValue({ maxDepth: 1 })) }),
        fc.record({ subscription_id: fc.oneof(words, fc.string({ maxLength: 20 })) }));
      const keys = fc.constantFrom('action', 'topic', 'type', 'stream', 'channels', 'channel', 'data', 'id', 'command', 'params', 'since', 'extra', '__proto__', 'constructor');
      fc.assert(fc.property(fc.dictionary(keys, value), (obj) => decodeOk(JSON.stringify(obj), false)), { numRuns: 1_000 });
    });

    it('refuses frames beyond maxCommandBytes without parsing them', () => {
      const big = `{"action":"subscribe","topic":"blocks","type":"subscribe","stream":"peers","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`;
      expect(dialect.decode(big, false)).toMatchObject({ type: 'invalid' });
      expect(dialect.decode(toArrayBuffer(new TextEncoder().encode(big)), true)).toMatchObject({ type: 'invalid' });
      expect(dialect.decode('['.repeat(dialect.maxCommandBytes + 1), false)).toMatchObject({ type: 'invalid' });
    });

    it('encodes any event without throwing, as one JSON document (or nothing) whenever the body is JSON', () => {
      fc.assert(fc.property(anyEnvelope(BUS_CHANNELS), (env) => {
        const frame = dialect.encodeEvent(env);
        let bodyIsJson = env.body.length > 0;
        try {
          JSON.parse(env.body);
        } catch {
          bodyIsJson = false; // splicing dialects pass a broken body through: the ingestor never writes one
        }
        if (frame !== undefined && bodyIsJson) expect(typeof JSON.parse(frame)).toBe('object');
      }), { numRuns: 500 });
    });

    if (dialect.positions) {
      it('splices every body in, with its position (documented fields may be added to object bodies)', () => {
        fc.assert(fc.property(fc.constantFrom('block', 'tx', 'asset', 'mempool', 'sequence', 'reorg', 'x-custom'), fc.jsonValue({ maxDepth: 3 }), (kind, body) => {
          const frame = dialect.encodeEvent(envelope(kind, JSON.stringify(body)));
          const parsed = JSON.parse(frame!) as Record<string, unknown>;
          const sent = JSON.parse(JSON.stringify(body)) as unknown;
          if (typeof sent === 'object' && sent !== null && !Array.isArray(sent)) {
            const data = parsed['data'] as Record<string, unknown>;
            for (const [k, v] of Object.entries(sent)) expect(JSON.stringify(Object.hasOwn(data, k) ? data[k] : undefined)).toBe(JSON.stringify(v));
          } else {
            expect(JSON.stringify(parsed)).toContain(JSON.stringify(body));
          }
          expect([parsed['channel'], parsed['epoch'], parsed['seq']]).toEqual(['blocks', 'e1', 1]);
        }), { numRuns: 300 });
        expect(() => dialect.encodeEvent(envelope('block', '{"not":"json"'))).not.toThrow();
      });

      it('decodes any `since` value of a subscribe without throwing', () => {
        fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('blocks', 'all', 'transactions'), (since, topic) => {
          decodeOk(JSON.stringify({ action: 'subscribe', topic, since }), false);
        }), { numRuns: 300 });
      });
    }

    it('encodes acks, errors, replies and resync notices as JSON, whatever the echoed text and request id', () => {
      const ref = fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.integer()).map((v) => JSON.stringify(v)), { nil: undefined });
      const target: Target = { type: 'derived', stream: 'x', variant: '' };
      fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1000, max: 4999 }), ref, fc.nat(), fc.boolean(), (text, code, r, seq, subscribed) => {
        for (const action of ['subscribe', 'unsubscribe'] as const) {
          JSON.parse(dialect.encodeAck({ action, raw: text, target, ref: r, nowMs: 1_700_000_000_000 }));
        }
        JSON.parse(dialect.encodeAck({ action: 'subscribe', raw: text, target, ref: r, nowMs: 0, positions: new Map([['txs', { epoch: text, seq }]]) }));
        JSON.parse(dialect.encodeError({ reason: 'invalid_topic', code, message: text }, r));
        JSON.parse(dialect.encodeReply({ type: 'pong', ref: r, nowMs: 1_700_000_000_000 }));
        JSON.parse(dialect.encodeReply({ type: 'status', ref: r, nowMs: 0, status: { subscriptions: [text], connections: seq, edges: 1, network: SAMPLE_BODIES['network'] } }));
        JSON.parse(dialect.encodeReply({ type: 'rpc', ref: r, method: 'getblockcount', params: [text], result: '{"a":1}' }));
        const n = dialect.encodeResync({ topic: text, channel: 'txs', reason: 'history_trimmed', subscribed, position: { epoch: text, seq } });
        if (n !== undefined) expect((JSON.parse(n) as Record<string, unknown>)['type']).toBe('resync');
      }), { numRuns: 300 });
    });

    it('greets and beats, when it does, with JSON at a sane interval', () => {
      if (dialect.encodeWelcome !== undefined) expect(typeof JSON.parse(dialect.encodeWelcome(Date.now()))).toBe('object');
      if (dialect.heartbeat === undefined) return;
      expect(dialect.heartbeat.intervalMs).toBeGreaterThanOrEqual(50);
      JSON.parse(dialect.heartbeat.encode(Date.now()));
    });

    it('keeps every derived stream alive through any envelope of its channels, emitting only JSON', () => {
      for (const t of dialect.implicit ?? []) assertTarget(dialect, t);
      for (const stream of dialect.derived?.values() ?? []) {
        expect(stream.channels.length).toBeGreaterThan(0);
        fc.assert(fc.property(fc.array(anyEnvelope(stream.channels), { maxLength: 20 }), (envs) => {
          const state = stream.create();
          const out = collector();
          for (const e of envs) state.add(e, out);
          state.flush?.(1_700_000_000_000, out);
          for (const f of out.frames) expect(typeof JSON.parse(f)).toBe('object');
        }), { numRuns: 200 });
      }
    });

    it('names itself with a short stable id usable in topic names and metric labels', () => {
      expect(dialect.name).toMatch(/^[a-z0-9-]{1,32}$/);
      for (const s of dialect.derived?.keys() ?? []) expect(s).toMatch(/^[a-z0-9_]{1,32}$/);
    });
  });
}
