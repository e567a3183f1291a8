// txToJson / blockToJson / headerToJson against real Evrmore node replies (test-vectors/node-json).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from './bytes.js';
import { decodeBlock } from './block.js';
import { NETWORKS } from './networks.js';
import { amountValue, blockToJson, formatAmount, headerToJson, txToJson } from './rpc-json.js';
import { decodeTx } from './tx.js';
import { loadVectors } from './test-vectors.fixture.js';

const nodeJson = (file: string): Record<string, unknown> =>
  (JSON.parse(readFileSync(new URL(`../test-vectors/node-json/${file}`, import.meta.url), 'utf8')) as { json: Record<string, unknown> }).json;
const evr = NETWORKS['evrmore-main'];

function without(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

describe('node RPC JSON shapes', () => {
  it('txToJson equals the node reply for the XENON reissue tx 18170dac…, key order included (plus hex, valueSat)', () => {
    const e = loadVectors('transactions').entries.find((x) => x['id'] === 'evr-main-tx-18170dac')!;
    const d = decodeTx(hexToBytes(e['hex'] as string));
    if (!d.ok) throw new Error(d.error);
    const got = txToJson(d.value, evr);
    const node = nodeJson('fifo-decoderawtransaction-18170dac.json');
    expect(got['hex']).toBe(e['hex']);
    const stripped = { ...without(got, ['hex']), vout: (got['vout'] as Record<string, unknown>[]).map((v) => without(v, ['valueSat'])) };
    expect(JSON.stringify(stripped)).toBe(JSON.stringify(node));
    expect((got['vout'] as Record<string, unknown>[]).map((v) => v['valueSat'])).toEqual([10_000_000_000, 0, 89_934_710_000, 0]);
    expect(Object.keys(got)).toEqual(['txid', 'hash', 'version', 'size', 'vsize', 'locktime', 'vin', 'vout', 'hex']);
  });

  it('txToJson appends the block fields, or height −1 off the main chain', () => {
    const e = loadVectors('transactions').entries.find((x) => x['id'] === 'evr-main-1019038-tx1')!;
    const d = decodeTx(hexToBytes(e['hex'] as string));
    if (!d.ok) throw new Error(d.error);
    const on = txToJson(d.value, evr, { blockhash: 'ab'.repeat(32), height: 1019038, confirmations: 3, time: 1728714000 });
    expect(Object.keys(on).slice(-5)).toEqual(['blockhash', 'height', 'confirmations', 'time', 'blocktime']);
    const off = txToJson(d.value, evr, { blockhash: 'ab'.repeat(32), height: -1, confirmations: 0, time: 0 });
    expect(Object.keys(off).slice(-3)).toEqual(['blockhash', 'height', 'confirmations']);
    expect([off['height'], off['confirmations']]).toEqual([-1, 0]);
  });

  it('blockToJson(…, 2) agrees with the node decodeblock reply for block 1,019,040 on every shared key', () => {
    const e = loadVectors('blocks').entries.find((x) => x['id'] === 'evr-main-1019040')!;
    const d = decodeBlock(hexToBytes(e['block_hex'] as string), evr);
    if (!d.ok) throw new Error(d.error);
    const ctx = {
      height: 1019040, confirmations: 5, mediantime: 1728713000, chainwork: '0'.repeat(48) + 'ab'.repeat(8),
      previousblockhash: d.value.header.prevHash,
    };
    const got = blockToJson(d.value, evr, ctx, 2);
    const node = nodeJson('fifo-decodeblock-1019040.json');
    for (const k of Object.keys(node)) expect([k, got[k]]).toEqual([k, node[k]]);
    expect(JSON.stringify(got['tx'])).toBe(JSON.stringify(node['tx']));
    expect(Object.keys(got)).toEqual([
      'hash', 'confirmations', 'strippedsize', 'size', 'weight', 'height', 'version', 'versionHex', 'merkleroot', 'tx', 'time',
      'mediantime', 'nonce', 'bits', 'difficulty', 'chainwork', 'headerhash', 'mixhash', 'nonce64', 'previousblockhash',
    ]);
    expect(blockToJson(d.value, evr, ctx, 1)['tx']).toEqual(['4f9feac1e75a8eeab091086f562be13211aaa59b03c11eb66bddd7731b5dfd5e']);
    const header = headerToJson(d.value.header, { ...ctx, nTx: 1 });
    expect(Object.keys(header)).toEqual([
      'hash', 'confirmations', 'height', 'version', 'versionHex', 'merkleroot', 'time', 'mediantime', 'nonce', 'bits',
      'difficulty', 'chainwork', 'previousblockhash',
    ]);
    expect(header['difficulty']).toBe((0xffff / 0x260d0b) * 256 * 256); // GetDifficulty: shift 0x1b → 29
  });

  it('formats amounts as ValueFromAmount does, exactly beyond 2^53 sats', () => {
    expect(formatAmount(277_800_000_000n)).toBe('2778.00000000');
    expect(formatAmount(515_215_469_821_281_000n)).toBe('5152154698.21281000');
    expect(formatAmount(-1n)).toBe('-0.00000001');
  });

  it('amountValue is the number the node\'s text parses to, on its fast path and beyond it', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (sats) => amountValue(sats) === Number(formatAmount(sats))));
    for (const sats of [0n, 1n, 10n, 123_456_789n, 2_100_000_000_000_000n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, 2n ** 53n + 1n]) {
      expect(amountValue(sats)).toBe(Number(formatAmount(sats)));
    }
  });
});
