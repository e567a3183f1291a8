import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { composeWire, decodeEnvelope, encodeEnvelopeTail } from './envelope.js';

describe('envelope codec', () => {
  it('round-trips header fields and leaves the body untouched', () => {
    const body = JSON.stringify({ hash: 'ab'.repeat(32), height: 7, note: 'line\nbreak' });
    const tail = encodeEnvelopeTail({ channel: 'txs', kind: 'tx', ts: 1_700_000_000_123, keys: { a: ['EXa'], tx: 'ff' }, body });
    const d = decodeEnvelope(composeWire('e1', 42, tail));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value).toMatchObject({ v: 1, channel: 'txs', epoch: 'e1', seq: 42, ts: 1_700_000_000_123, kind: 'tx', keys: { a: ['EXa'], tx: 'ff' } });
    expect(d.value.body).toBe(body);
  });

  it('rejects garbage with a code instead of throwing', () => {
    expect(decodeEnvelope('nope')).toMatchObject({ ok: false, error: 'ENV_NO_HEADER' });
    expect(decodeEnvelope('{bad\n{}')).toMatchObject({ ok: false, error: 'ENV_BAD_JSON' });
    expect(decodeEnvelope('{"v":2}\n{}')).toMatchObject({ ok: false, error: 'ENV_VERSION' });
    expect(decodeEnvelope('{"v":1,"ch":"nope","ep":"e","sq":1,"ts":1,"k":"x"}\n{}')).toMatchObject({ ok: false, error: 'ENV_BAD_FIELD' });
    expect(decodeEnvelope('{"v":1,"ch":"txs","ep":"e","sq":0,"ts":1,"k":"x"}\n{}')).toMatchObject({ ok: false, error: 'ENV_BAD_FIELD' });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => { decodeEnvelope(s); decodeEnvelope(`${s}\n${s}`); }), { numRuns: 500 });
  });
});
