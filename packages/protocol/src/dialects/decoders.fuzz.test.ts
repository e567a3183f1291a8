// Property-based fuzz of every dialect's decoder as a pure function, with hostile frames (prototype names as keys and
// values, deep nesting, numbers past double range, huge strings, invalid UTF-8, mutated requests of every dialect):
// decoding never throws, and what it returns is safe for the edge to act on — topics map onto bus channels, derived
// streams exist, error frames and request ids are valid JSON. Budget: CHAINFAN_FUZZ_RUNS per dialect (npm run fuzz).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns, hostileFrame, nested, PROTOTYPE_NAMES } from '@chainfan/protocol/testing';
import { channelsForTopic } from '../topics.js';
import { chainfanDialect } from './chainfan.js';
import type { ClientCommand, Dialect } from './dialect.js';
import { evrmoreRpcDialect } from './evrmore-rpc.js';
import { rustoriumDialect } from './rustorium.js';
import { theBlockDialect } from './the-block.js';
import { zionDialect } from './zion.js';

const DIALECTS: readonly Dialect[] = [evrmoreRpcDialect, chainfanDialect, theBlockDialect, zionDialect, rustoriumDialect];
const RUNS = fuzzRuns(300);

function toArrayBuffer(b: string | Uint8Array): ArrayBuffer | string {
  if (typeof b === 'string') return b;
  const ab = new ArrayBuffer(b.byteLength);
  new Uint8Array(ab).set(b);
  return ab;
}

/** What the edge does with a decoded command, minus the I/O: any throw here would be a throw in a uWS handler. */
function actOn(d: Dialect, cmd: ClientCommand): void {
  switch (cmd.type) {
    case 'subscribe':
    case 'unsubscribe':
      if (cmd.target.type === 'topic') {
        const channels = channelsForTopic(cmd.target.topic.kind);
        expect(Array.isArray(channels) && channels.length > 0).toBe(true);
        expect(typeof cmd.target.topic.key).toBe('string');
      } else {
        expect(d.derived?.get(cmd.target.stream)).toBeDefined();
      }
      if (cmd.type === 'subscribe' && cmd.since !== undefined) expect(cmd.since).toBeInstanceOf(Map);
      JSON.parse(d.encodeAck({ action: cmd.type, raw: cmd.raw, target: cmd.target, ref: cmd.ref, nowMs: 0 }));
      break;
    case 'invalid':
      expect(cmd.error.message.length).toBeLessThanOrEqual(512);
      JSON.parse(d.encodeError(cmd.error, cmd.ref));
      break;
    case 'rpc':
      expect(Array.isArray(cmd.params)).toBe(true);
      JSON.stringify(cmd.params); // the command proxy hashes it: bounded depth, so it cannot overflow
      break;
    case 'batch':
      for (const c of cmd.commands) actOn(d, c);
      break;
    default:
      break;
  }
  if ('ref' in cmd && cmd.ref !== undefined) JSON.parse(cmd.ref);
}

describe('dialect decoders under hostile input', () => {
  for (const d of DIALECTS) {
    it(`${d.name}: decodes any hostile frame into a command the edge can act on (${RUNS} runs)`, () => {
      const started = performance.now();
      fc.assert(fc.property(hostileFrame, (f) => {
        actOn(d, d.decode(toArrayBuffer(f.payload), f.binary));
      }), { numRuns: RUNS });
      // the budget is reported, not asserted (timing belongs to benchmarks)
      console.info(`fuzz ${d.name} decoder: ${RUNS} cases in ${Math.round(performance.now() - started)} ms`);
    }, 30_000 + RUNS * 5);
  }

  it('answers the 56-byte prototype-name subscribe with an error frame, in every spelling', () => {
    for (const name of PROTOTYPE_NAMES) {
      for (const frame of [`{"action":"subscribe","topic":"${name}","since":"now"}`, `{"action":"subscribe","topic":"${name}"}`]) {
        const cmd = evrmoreRpcDialect.decode(frame, false);
        expect(cmd).toMatchObject({ type: 'invalid', error: { reason: 'invalid_topic' } });
      }
    }
    for (const name of PROTOTYPE_NAMES) {
      expect(theBlockDialect.decode(`{"type":"subscribe","stream":"${name}"}`, false)).toMatchObject({ type: 'invalid' });
      expect(zionDialect.decode(`{"type":"subscribe","channels":["${name}"]}`, false)).toMatchObject({ type: 'invalid' });
      expect(rustoriumDialect.decode(`{"type":"subscribe","data":{"channel":"${name}"}}`, false)).toMatchObject({ type: 'invalid' });
    }
  });

  it('refuses a topic or action nested 6,000 levels deep with a too_deep error, in every dialect', () => {
    for (const d of DIALECTS) {
      for (const frame of [`{"action":"subscribe","topic":${nested(6_000)}}`, `{"action":${nested(6_000, '"x"', true)},"topic":"blocks"}`, `{"type":${nested(6_000)}}`]) {
        const cmd = d.decode(frame.slice(0, d.maxCommandBytes), false);
        expect(cmd.type).toBe('invalid');
        actOn(d, cmd);
      }
      expect(d.decode(`{"type":${nested(40)}}`, false)).toMatchObject({ type: 'invalid', error: { reason: 'too_deep' } });
    }
  });
});
