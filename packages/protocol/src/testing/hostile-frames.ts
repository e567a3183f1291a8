// Test-only: fast-check generators of hostile client input, shared by the decoder fuzz (pure functions) and the
// socket-path fuzz (a running edge). Frames are built as text so they can carry what JSON.stringify never writes:
// numbers past double range, deep nesting, lone surrogates, truncations, and invalid UTF-8 as raw bytes.
import fc from 'fast-check';

/** Names an object inherits: a lookup that is not own-property-only finds these for free. */
export const PROTOTYPE_NAMES = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', '__lookupSetter__', 'toJSON',
] as const;

/** Every key any dialect reads from a request. */
const KEYS = [
  'action', 'topic', 'since', 'id', 'command', 'params', 'type', 'stream', 'channels', 'channel', 'data', 'filter', 'confirmations',
  'subscription_id', 'jsonrpc', 'method', 'epoch', 'seq', 'height', 'hash', 'blocks',
] as const;

/** Every action, message type and topic shape the dialects know, to mutate. */
const WORDS = [
  'subscribe', 'unsubscribe', 'ping', 'get_status', 'status', 'blocks', 'block', 'transactions', 'transaction', 'mempool', 'sequence', 'assets',
  'reorgs', 'network', 'peers', 'all', 'address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1', 'asset:ROCKET/SUB', `tx:${'ab'.repeat(32)}`,
  'network_metrics', 'markets_health', 'receipts', 'blockchain', 'mining', 'state', 'blocks:c3', 'transactions:c2', 'now',
  'getblockcount', 'getblockhash', 'getnetworkinfo', 'stop', 'txs', 'ctl', 'chain',
] as const;

/** Known-good requests of every dialect (the mutation seeds). */
export const SEED_FRAMES: readonly string[] = [
  '{"action":"subscribe","topic":"blocks"}',
  '{"action":"subscribe","topic":"all","since":"now"}',
  '{"action":"subscribe","topic":"blocks","since":{"epoch":"e1","seq":0}}',
  '{"action":"subscribe","topic":"transactions","since":{"txs":{"epoch":"e1","seq":3}}}',
  `{"action":"subscribe","topic":"blocks","since":{"height":5,"hash":"${'0a'.repeat(32)}"}}`,
  `{"action":"subscribe","topic":"all","since":{"blocks":{"height":0,"hash":"${'Ff'.repeat(32)}"},"txs":"now"},"id":3}`,
  '{"action":"unsubscribe","topic":"blocks"}',
  '{"action":"ping","id":7}',
  '{"command":"getblockcount","params":[]}',
  '{"command":"getblockhash","params":[0],"id":"x"}',
  '{"type":"subscribe","stream":"network_metrics"}',
  '{"type":"subscribe","channels":["blockchain","mining"]}',
  '{"type":"get_status"}',
  '{"type":"ping"}',
  '{"type":"subscribe","id":1,"data":{"channel":"transactions","filter":{"confirmations":2}}}',
  '{"type":"unsubscribe","id":2,"data":{"subscription_id":"blocks:c3"}}',
];

/** Number texts JSON.stringify never produces: past double range, negative zero, more digits than a double holds. */
const NUMBER_TEXTS = ['1e400', '-1e400', '-0', '123456789012345678901234567890', '9007199254740993', '1e-400', '0.0000000000000000000001', '-9223372036854775809'];

/** JSON text of a value of up to `depth` levels (arrays and objects mixed). */
export function nested(depth: number, leaf = '"blocks"', objects = false): string {
  return objects ? `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}` : `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

const scalarText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES).map((w) => JSON.stringify(w)),
  fc.constantFrom(...WORDS).map((w) => JSON.stringify(w)),
  fc.constantFrom(...NUMBER_TEXTS),
  fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }).map((s) => JSON.stringify(s)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => JSON.stringify('x'.repeat(n))),
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : '0')),
  fc.constantFrom('null', 'true', 'false', '{}', '[]', '""'),
);

/** A JSON value's text: scalars, deep nesting, small containers of hostile parts. */
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: scalarText },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2, max: 8_000 }), fc.boolean(), scalarText).map(([d, o, leaf]) => nested(d, leaf, o)) },
  { weight: 2, arbitrary: fc.array(scalarText, { maxLength: 6 }).map((xs) => `[${xs.join(',')}]`) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.constantFrom(...KEYS, ...PROTOTYPE_NAMES), scalarText), { maxLength: 4 }).map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`) },
);

/** An object request of known keys (prototype names among them) with hostile values, duplicate keys allowed. */
const requestText: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom(...KEYS, ...PROTOTYPE_NAMES), valueText), { minLength: 1, maxLength: 6 })
  .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);

/** A seed frame with one mutation: a value swapped for a hostile one, truncated, a byte flipped, or wrapped deep. */
const mutatedSeed: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...SEED_FRAMES), fc.nat(), valueText).map(([s, n, v]) => replaceNthString(s, n, v)) },
  fc.tuple(fc.constantFrom(...SEED_FRAMES), fc.nat()).map(([s, n]) => s.slice(0, n % (s.length + 1))),
  fc.tuple(fc.constantFrom(...SEED_FRAMES), fc.nat(), fc.integer({ min: 0, max: 0xffff })).map(([s, n, c]) => {
    const i = n % s.length;
    return `${s.slice(0, i)}${String.fromCharCode(c)}${s.slice(i + 1)}`;
  }),
  fc.tuple(fc.constantFrom(...SEED_FRAMES), fc.integer({ min: 1, max: 6_000 })).map(([s, d]) => s.replace(/"(blocks|subscribe|getblockcount|network_metrics|ping)"/, (m) => nested(d, m))),
);

/** Where the string literals of a JSON text are, and whether each is a key (followed by a colon). */
function literals(s: string): { start: number; end: number; key: boolean }[] {
  const out: { start: number; end: number; key: boolean }[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '"') continue;
    let j = i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    let k = j + 1;
    while (s[k] === ' ') k++;
    out.push({ start: i, end: j + 1, key: s[k] === ':' });
    i = j;
  }
  return out;
}

/** `s` with its n-th string literal (counted modulo their number; values only when asked) replaced by `v`. */
function replaceNthString(s: string, n: number, v: string, valuesOnly = false): string {
  const all = literals(s).filter((l) => !valuesOnly || !l.key);
  const m = all[n % Math.max(1, all.length)];
  return m === undefined ? s : `${s.slice(0, m.start)}${v}${s.slice(m.end)}`;
}

/** Byte frames: invalid UTF-8 (overlongs, surrogates, truncated sequences) around valid JSON, or noise. */
const byteFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.tuple(fc.constantFrom(...SEED_FRAMES), fc.nat(), fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]))
    .map(([s, n, bad]) => {
      const b = Buffer.from(s, 'utf8');
      const i = n % (b.length + 1);
      return Uint8Array.from([...b.subarray(0, i), ...bad, ...b.subarray(i)]);
    }),
);

/** One hostile frame: its payload, and whether it goes out as a binary WebSocket message. */
export interface HostileFrame {
  readonly payload: string | Uint8Array;
  readonly binary: boolean;
}

/** A known request with one of its values (an action, a topic, a stream, a channel…) renamed to an inherited name. */
const inheritedName: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...SEED_FRAMES), fc.nat(), fc.constantFrom(...PROTOTYPE_NAMES))
  .map(([s, n, name]) => replaceNthString(s, n, JSON.stringify(name), true));

export const hostileFrame: fc.Arbitrary<HostileFrame> = fc.oneof(
  { weight: 3, arbitrary: inheritedName.map((t) => ({ payload: t, binary: false })) },
  { weight: 4, arbitrary: fc.tuple(requestText, fc.boolean()).map(([t, b]) => ({ payload: b ? Buffer.from(t, 'utf8') : t, binary: b })) },
  { weight: 4, arbitrary: mutatedSeed.map((t) => ({ payload: t, binary: false })) },
  { weight: 1, arbitrary: valueText.map((t) => ({ payload: t, binary: false })) },
  { weight: 2, arbitrary: byteFrame.map((b) => ({ payload: b, binary: true })) },
  { weight: 1, arbitrary: byteFrame.map((b) => ({ payload: b, binary: false })) },
);

/** Runs for a property: `CHAINFAN_FUZZ_RUNS` when set (npm run fuzz), else the suite's small default. */
export function fuzzRuns(suiteDefault: number): number {
  const v = Number(process.env['CHAINFAN_FUZZ_RUNS']);
  return Number.isSafeInteger(v) && v > 0 ? v : suiteDefault;
}
