import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { channelsForTopic, parseTopic, TOPIC_KINDS } from './topics.js';

describe('topic grammar', () => {
  it('treats the evrmore-rpc singular spellings as the canonical plurals', () => {
    expect(parseTopic('block')).toMatchObject({ ok: true, value: { kind: 'blocks', key: 'blocks' } });
    expect(parseTopic('transaction')).toMatchObject({ ok: true, value: { kind: 'transactions', key: 'transactions' } });
    expect(parseTopic('all')).toMatchObject({ ok: true, value: { kind: 'all' } });
  });

  it('parses parameterised topics and normalises txids to lower case', () => {
    expect(parseTopic('address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1')).toMatchObject({ ok: true, value: { kind: 'address', arg: 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1' } });
    expect(parseTopic('asset:MY_TOKEN/SUB')).toMatchObject({ ok: true, value: { kind: 'asset', key: 'asset:MY_TOKEN/SUB' } });
    expect(parseTopic(`tx:${'AB'.repeat(32)}`)).toMatchObject({ ok: true, value: { kind: 'tx', key: `tx:${'ab'.repeat(32)}` } });
  });

  it('rejects unknown, empty, overlong and malformed topics with codes', () => {
    expect(parseTopic('weather')).toMatchObject({ ok: false, error: 'TOPIC_UNKNOWN' });
    expect(parseTopic('')).toMatchObject({ ok: false, error: 'TOPIC_EMPTY' });
    expect(parseTopic(42)).toMatchObject({ ok: false, error: 'TOPIC_EMPTY' });
    expect(parseTopic('x'.repeat(200))).toMatchObject({ ok: false, error: 'TOPIC_TOO_LONG' });
    expect(parseTopic('address:0OIl')).toMatchObject({ ok: false, error: 'TOPIC_BAD_ARG' });
    expect(parseTopic('tx:1234')).toMatchObject({ ok: false, error: 'TOPIC_BAD_ARG' });
  });

  it('maps every topic kind onto at least one bus channel', () => {
    for (const k of TOPIC_KINDS) expect(channelsForTopic(k).length).toBeGreaterThan(0);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.anything(), (x) => { parseTopic(x); }), { numRuns: 300 });
  });
});

describe('topic names that objects inherit', () => {
  it('are unknown topics, never inherited entries', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']) {
      expect(parseTopic(name)).toEqual({ ok: false, error: 'TOPIC_UNKNOWN' });
    }
  });
});
