import { describe, expect, it } from 'vitest';
import type { ChainfanMessage } from '@chainfan/client';
import { type EventMessage, eventIdentity, topicKey, topicsForMessage } from './topic-messages.js';

const A = 'EXaMpLeAddr1111111111111111111111';
const B = 'EXaMpLeAddr2222222222222222222222';
const TXID = 'ab'.repeat(32);

function tx(txid: string, outAddrs: string[], inAddr?: string): EventMessage {
  return {
    type: 'transaction',
    data: {
      txid, hash: txid, size: 200, vsize: 200, version: 2, locktime: 0,
      vin: [{ txid: 'cd'.repeat(32), vout: 0, sequence: 0, ...(inAddr ? { address: inAddr } : {}) }],
      vout: outAddrs.map((a, n) => ({ value: 1, n, scriptPubKey: { asm: '', hex: '', type: 'pubkeyhash', addresses: [a] } })),
    },
  } as ChainfanMessage as EventMessage;
}
const block = { type: 'block', data: { hash: '00'.repeat(32), height: 7 } } as unknown as EventMessage;
const asset = (name: string) => ({ type: 'asset', data: { txid: TXID, asset: name, amount: 1, type: 'transfer', vout: 1 } }) as EventMessage;

describe('topicsForMessage', () => {
  it('files events under the topics that deliver their type', () => {
    const subs = ['blocks', 'mempool', 'transactions', 'assets'];
    expect(topicsForMessage(block, subs)).toEqual(['blocks']);
    expect(topicsForMessage(tx(TXID, [A]), subs)).toEqual(['transactions']);
    expect(topicsForMessage(asset('FOO'), subs)).toEqual(['assets']);
    expect(topicsForMessage({ type: 'mempool', data: { size: 1, bytes: 2, usage: 3 } }, subs)).toEqual(['mempool']);
    expect(topicsForMessage(block, ['all', 'blocks'])).toEqual(['all', 'blocks']);
    expect(topicsForMessage({ type: 'unknown', wireType: 'reorg', data: {} }, ['reorgs', 'blocks'])).toEqual(['reorgs']);
    expect(topicsForMessage({ type: 'unknown', wireType: 'whatever', data: {} }, ['reorgs', 'blocks'])).toEqual([]);
  });

  it('gives every transaction to the only transaction topic, whatever its fields say', () => {
    expect(topicsForMessage(tx(TXID, [B]), ['blocks', `address:${A}`])).toEqual([`address:${A}`]);
  });

  it('narrows parameterised topics by the message fields when several topics deliver the type', () => {
    const subs = ['transactions', `address:${A}`, `address:${B}`, `tx:${TXID}`];
    expect(topicsForMessage(tx('ef'.repeat(32), [A]), subs)).toEqual(['transactions', `address:${A}`]);
    expect(topicsForMessage(tx('ef'.repeat(32), [A], B), subs)).toEqual(['transactions', `address:${A}`, `address:${B}`]);
    expect(topicsForMessage(tx(TXID, []), subs)).toEqual(['transactions', `tx:${TXID}`]);
    expect(topicsForMessage(asset('FOO'), ['assets', 'asset:FOO', 'asset:BAR'])).toEqual(['assets', 'asset:FOO']);
  });

  it('uses canonical keys', () => {
    expect(topicKey('block')).toBe('blocks');
    expect(topicKey(`tx:${TXID.toUpperCase()}`)).toBe(`tx:${TXID}`);
    expect(topicKey('nonsense')).toBe('nonsense');
  });
});

describe('eventIdentity', () => {
  it('is equal for the copies an edge sends per topic, and differs for a status update', () => {
    expect(eventIdentity(tx(TXID, [A]))).toBe(eventIdentity(tx(TXID, [A])));
    const t = tx(TXID, [A]) as Extract<EventMessage, { type: 'transaction' }>;
    const mined: EventMessage = { ...t, data: { ...t.data, blockhash: '11'.repeat(32), confirmations: 1 } };
    expect(eventIdentity(mined)).not.toBe(eventIdentity(tx(TXID, [A])));
    expect(eventIdentity({ type: 'mempool', data: { size: 1, bytes: 2, usage: 3 } })).toBeUndefined();
  });
});
