import { describe, expect, it } from 'vitest';
import { decodePosition, decodeSince, encodePositions, START_POSITION } from './positions.js';

describe('stream positions', () => {
  it('decodes {epoch, seq} and ignores other keys', () => {
    expect(decodePosition({ epoch: '1700000000123456', seq: 0, x: 1 })).toEqual({ ok: true, value: { epoch: '1700000000123456', seq: 0 } });
    expect(decodePosition({ epoch: '', seq: 5 })).toMatchObject({ ok: true });
  });

  it('refuses odd epochs and seqs', () => {
    expect(decodePosition({ epoch: 'a b', seq: 1 })).toMatchObject({ ok: false, error: 'SINCE_EPOCH' });
    expect(decodePosition({ epoch: 'x'.repeat(65), seq: 1 })).toMatchObject({ ok: false, error: 'SINCE_EPOCH' });
    expect(decodePosition({ epoch: 'e', seq: 2 ** 53 })).toMatchObject({ ok: false, error: 'SINCE_SEQ' });
    expect(decodePosition(Object.create({ epoch: 'e', seq: 1 }) as unknown)).toMatchObject({ ok: false });
    expect(decodePosition(null)).toMatchObject({ ok: false, error: 'SINCE_SHAPE' });
  });

  it('maps since onto the channels of the topic', () => {
    const r = decodeSince({ txs: { epoch: 'e', seq: 9 } }, ['txs', 'status']);
    expect(r).toEqual({ ok: true, value: new Map([['txs', { epoch: 'e', seq: 9 }], ['status', undefined]]) });
    expect(decodeSince({ blocks: 'now' }, ['txs'])).toMatchObject({ ok: false, error: 'SINCE_CHANNEL' });
    expect(decodeSince({ epoch: 'e', seq: 1 }, ['txs', 'status'])).toMatchObject({ ok: false, error: 'SINCE_AMBIGUOUS' });
    expect(decodeSince({ __proto__: { epoch: 'e', seq: 1 } }, ['txs'])).toMatchObject({ ok: true });
  });

  it('encodes positions as a JSON object', () => {
    expect(JSON.parse(encodePositions(new Map([['blocks', START_POSITION], ['txs', { epoch: 'e"', seq: 3 }]]))))
      .toEqual({ blocks: { epoch: '', seq: 0 }, txs: { epoch: 'e"', seq: 3 } });
    expect(encodePositions(new Map())).toBe('{}');
  });
});
