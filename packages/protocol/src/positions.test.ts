import { describe, expect, it } from 'vitest';
import { decodeBlockPosition, decodePosition, decodeResume, decodeSince, encodePositions, START_POSITION } from './positions.js';

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

  it('decodes a block position (height and hash) and refuses anything else', () => {
    const hash = 'AB'.repeat(32);
    expect(decodeBlockPosition({ height: 7, hash })).toEqual({ ok: true, value: { height: 7, hash: hash.toLowerCase() } });
    expect(decodeBlockPosition({ height: -1, hash })).toMatchObject({ ok: false, error: 'SINCE_HEIGHT' });
    expect(decodeBlockPosition({ height: 1.5, hash })).toMatchObject({ ok: false, error: 'SINCE_HEIGHT' });
    expect(decodeBlockPosition({ height: 2 ** 31 + 1, hash })).toMatchObject({ ok: false, error: 'SINCE_HEIGHT' });
    expect(decodeBlockPosition({ height: '7', hash })).toMatchObject({ ok: false, error: 'SINCE_HEIGHT' });
    expect(decodeBlockPosition({ height: 7, hash: hash.slice(1) })).toMatchObject({ ok: false, error: 'SINCE_HASH' });
    expect(decodeBlockPosition({ height: 7, hash: `${hash.slice(1)}g` })).toMatchObject({ ok: false, error: 'SINCE_HASH' });
    expect(decodeBlockPosition({ height: 7, hash, seq: 1 })).toMatchObject({ ok: false, error: 'SINCE_SHAPE' });
    expect(decodeBlockPosition(Object.create({ height: 7, hash }) as unknown)).toMatchObject({ ok: false });
  });

  it('resumes the blocks channel from a block, other channels as asked', () => {
    const hash = '0a'.repeat(32);
    expect(decodeResume({ height: 3, hash }, ['blocks'])).toEqual({ ok: true, value: { since: new Map([['blocks', undefined]]), block: { height: 3, hash } } });
    const all = decodeResume({ blocks: { height: 3, hash }, txs: { epoch: 'e', seq: 4 } }, ['blocks', 'txs', 'sequence']);
    expect(all).toEqual({
      ok: true,
      value: { since: new Map([['blocks', undefined], ['txs', { epoch: 'e', seq: 4 }], ['sequence', undefined]]), block: { height: 3, hash } },
    });
    expect(decodeResume({ height: 3, hash }, ['txs'])).toMatchObject({ ok: false, error: 'SINCE_BLOCK_TOPIC' });
    expect(decodeResume({ blocks: { height: 3, hash } }, ['txs'])).toMatchObject({ ok: false, error: 'SINCE_CHANNEL' });
    expect(decodeResume({ height: 3, hash, epoch: 'e' }, ['blocks'])).toMatchObject({ ok: false, error: 'SINCE_SHAPE' });
    expect(decodeResume({ blocks: { height: 3, hash }, txs: { epoch: 'a b', seq: 1 } }, ['blocks', 'txs'])).toMatchObject({ ok: false, error: 'SINCE_EPOCH' });
    expect(decodeResume({ epoch: 'e', seq: 2 }, ['blocks'])).toEqual({ ok: true, value: { since: new Map([['blocks', { epoch: 'e', seq: 2 }]]) } });
  });
});
