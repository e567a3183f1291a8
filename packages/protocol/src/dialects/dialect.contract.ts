// Contract every Dialect implementation runs (STYLE.md rule 14): total decoding, bounded work, well-formed frames.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { composeWire, type Envelope } from '../envelope.js';
import type { ClientCommand, Dialect } from './dialect.js';

/** Any UTF-16 code unit, lone surrogates included (fast-check's 'binary' unit is much slower to generate). */
const UTF16_UNIT = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

const COMMAND_TYPES = new Set(['subscribe', 'unsubscribe', 'invalid', 'ignore']);

function envelope(kind: string, body: string): Envelope {
  const tail = `"ch":"blocks","ts":1,"k":${JSON.stringify(kind)}}\n${body}`;
  return { v: 1, channel: 'blocks', epoch: 'e1', seq: 1, ts: 1, kind, keys: {}, body, wire: composeWire('e1', 1, tail) };
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const ab = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(ab).set(bytes);
  return ab;
}

function assertWellFormed(cmd: ClientCommand): void {
  expect(COMMAND_TYPES.has(cmd.type)).toBe(true);
  if (cmd.type === 'invalid') {
    expect(Number.isInteger(cmd.code)).toBe(true);
    expect(cmd.message.length).toBeLessThanOrEqual(512);
  }
  if (cmd.type === 'subscribe' || cmd.type === 'unsubscribe') expect(typeof cmd.topic.key).toBe('string');
}

export function describeDialectContract(name: string, dialect: Dialect): void {
  describe(`${name} satisfies Dialect`, () => {
    it('decodes any text frame without throwing, into a well-formed command', () => {
      fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: UTF16_UNIT, maxLength: 300 })), fc.boolean(), (s, bin) => {
        assertWellFormed(dialect.decode(s, bin));
      }), { numRuns: 500 });
    });

    it('decodes any bytes without throwing, including invalid UTF-8', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, bin) => {
        assertWellFormed(dialect.decode(toArrayBuffer(bytes), bin));
      }), { numRuns: 500 });
    });

    it('decodes any JSON document without throwing', () => {
      fc.assert(fc.property(fc.json({ maxDepth: 4 }), (text) => {
        assertWellFormed(dialect.decode(text, false));
        assertWellFormed(dialect.decode(toArrayBuffer(new TextEncoder().encode(text)), true));
      }), { numRuns: 500 });
    });

    it('decodes JSON objects shaped like commands without throwing', () => {
      const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('subscribe', 'unsubscribe', 'blocks', 'all'), fc.jsonValue({ maxDepth: 2 }));
      fc.assert(fc.property(fc.dictionary(fc.constantFrom('action', 'topic', 'extra', '__proto__', 'constructor'), value), (obj) => {
        assertWellFormed(dialect.decode(JSON.stringify(obj), false));
      }), { numRuns: 500 });
    });

    it('refuses frames beyond maxCommandBytes without parsing them', () => {
      const big = `{"action":"subscribe","topic":"blocks","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`;
      expect(dialect.decode(big, false)).toMatchObject({ type: 'invalid' });
      expect(dialect.decode(toArrayBuffer(new TextEncoder().encode(big)), true)).toMatchObject({ type: 'invalid' });
      const deep = '['.repeat(dialect.maxCommandBytes + 1);
      expect(dialect.decode(deep, false)).toMatchObject({ type: 'invalid' });
    });

    it('encodes every event as one JSON document carrying the body and its position', () => {
      fc.assert(fc.property(fc.constantFrom('block', 'tx', 'asset', 'mempool', 'sequence', 'reorg', 'x-custom'), fc.jsonValue({ maxDepth: 3 }), (kind, body) => {
        const frame = dialect.encodeEvent(envelope(kind, JSON.stringify(body)));
        expect(typeof frame).toBe('string');
        const parsed = JSON.parse(frame) as Record<string, unknown>;
        expect(JSON.stringify(parsed)).toContain(JSON.stringify(body));
        expect([parsed['channel'], parsed['epoch'], parsed['seq']]).toEqual(['blocks', 'e1', 1]);
      }), { numRuns: 300 });
    });

    it('decodes any `since` value of a subscribe without throwing', () => {
      fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('blocks', 'all', 'transactions'), (since, topic) => {
        assertWellFormed(dialect.decode(JSON.stringify({ action: 'subscribe', topic, since }), false));
      }), { numRuns: 300 });
    });

    it('encodes acks with positions and resync notices as JSON', () => {
      fc.assert(fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 40 }), fc.nat(), fc.boolean(), (topic, epoch, seq, subscribed) => {
        JSON.parse(dialect.encodeAck('subscribe', topic, new Map([['txs', { epoch, seq }]])));
        const n = JSON.parse(dialect.encodeResync({ topic, channel: 'txs', reason: 'history_trimmed', subscribed, position: { epoch, seq } })) as Record<string, unknown>;
        expect(n['type']).toBe('resync');
      }), { numRuns: 300 });
    });

    it('defines a heartbeat only with a sane interval', () => {
      if (dialect.heartbeat === undefined) return;
      expect(dialect.heartbeat.intervalMs).toBeGreaterThanOrEqual(1_000);
      JSON.parse(dialect.heartbeat.encode(Date.now()));
    });

    it('splices the body in without parsing it', () => {
      expect(() => dialect.encodeEvent(envelope('block', '{"not":"json"'))).not.toThrow();
      expect(dialect.encodeEvent(envelope('block', '{"h":1}'))).toContain('{"h":1}');
    });

    it('encodes acks and errors as JSON, whatever the echoed text', () => {
      fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1000, max: 4999 }), (text, code) => {
        JSON.parse(dialect.encodeAck('subscribe', text));
        JSON.parse(dialect.encodeAck('unsubscribe', text));
        JSON.parse(dialect.encodeError(code, text));
      }), { numRuns: 300 });
    });

    it('names itself with a short stable id usable in topic names and metric labels', () => {
      expect(dialect.name).toMatch(/^[a-z0-9-]{1,32}$/);
    });
  });
}
