// Addresses, hex helpers, difficulty edge cases, and the fidelity comparator itself (so a mismatch cannot pass).
import { describe, expect, it } from 'vitest';
import { addressToScript, decodeAddress, addressFromScript, p2pkhScript } from './address.js';
import { bytesToHex, hexToBytes, reverseHex, tryHexToBytes } from './bytes.js';
import { chainworkForBits, compactToTarget } from './difficulty.js';
import { compareFields } from './fidelity-compare.js';
import { NETWORKS } from './networks.js';

describe('addresses', () => {
  it('maps Evrmore addresses to scripts of the right network only', () => {
    const s = addressToScript('EXissueAssetXXXXXXXXXXXXXXXXYiYRBD', NETWORKS['evrmore-main']);
    expect(s.ok && bytesToHex(s.value)).toBe('76a9149fce23b5eab1ad3c1d6892ccb7f7c9247454df9888ac');
    expect(addressToScript('e7Tkk3kjS9NjSYVX2Q8qzxXB1WKMRvea1j', NETWORKS['evrmore-main'])).toMatchObject({ ok: true });
    expect(addressToScript('EXissueAssetXXXXXXXXXXXXXXXXYiYRBD', NETWORKS['evrmore-test'])).toMatchObject({ ok: false, error: 'ADDRESS_NETWORK' });
    const w = addressToScript('bc1p3efq8ujsj0qr5xvms7mv89p8cz0crqdtuxe9ms6grqgxc9sgsntslthf6w', NETWORKS['bitcoin-main']);
    expect(w.ok && bytesToHex(w.value)).toBe('51208e5203f25093c03a199b87b6c39427c09f8181abe1b25dc34818106c160884d7');
  });

  it('rejects bad checksums, mixed-case bech32 and wrong bech32 variants with codes', () => {
    expect(decodeAddress('EXissueAssetXXXXXXXXXXXXXXXXYiYRBE')).toMatchObject({ ok: false, error: 'ADDRESS_INVALID' });
    expect(decodeAddress('bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4')).toMatchObject({ ok: false });
    // BIP350: a v1 program with a bech32 (not bech32m) checksum is invalid.
    expect(decodeAddress('bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx')).toMatchObject({ ok: false });
    expect(decodeAddress('')).toMatchObject({ ok: false });
  });

  it('gives no address for witness programs on networks without bech32', () => {
    expect(addressFromScript(hexToBytes('0014751e76e8199196d454941c45d1b3a323f1433bd6'), NETWORKS['evrmore-main'])).toBeUndefined();
    // Cross-checked with Python hashlib + a textbook base58 encoder.
    expect(addressFromScript(p2pkhScript(new Uint8Array(20)), NETWORKS['evrmore-main'])).toBe('EH9uVaqWRxHuzJbroqzX18yxmeW8XVJyV9');
  });
});

describe('hex', () => {
  it('throws on programmer hex, fails with a code on untrusted hex', () => {
    expect(() => hexToBytes('abc')).toThrow();
    expect(() => hexToBytes('zz')).toThrow();
    expect(tryHexToBytes('0g')).toMatchObject({ ok: false, error: 'HEX_BAD_CHAR' });
    expect(reverseHex('0A0b0c')).toBe('0c0b0a');
  });
});

describe('difficulty', () => {
  it('treats negative, overflowing and zero targets as no work, as GetBlockProof does', () => {
    expect(compactToTarget(0x04923456)).toBeUndefined();
    expect(compactToTarget(0xff123456)).toBeUndefined();
    expect(chainworkForBits(0)).toBe(0n);
    expect(chainworkForBits(0x207fffff)).toBe(2n);
  });
});

describe('fidelity comparator', () => {
  it('applies the README normalizations and catches mismatches', () => {
    expect(compareFields({ version: -1, bits: '1d00ffff', txid: 'AB', v: '10', b: true }, { version: 0xffffffff, bits: 0x1d00ffff, txid: 'ab', v: 10n, b: true }).mismatches).toEqual([]);
    expect(compareFields({ vout: [{ n: 2, value_sats: '5' }] }, { vout: [{ n: 1, value_sats: '5' }, { n: 2, value_sats: '6' }] }).mismatches).toHaveLength(1);
    expect(compareFields({ address: 'EXissueAssetXXXXXXXXXXXXXXXXYiYRBD' }, { address: 'exissueassetxxxxxxxxxxxxxxxxyiyrbd' }).mismatches).toHaveLength(1);
    expect(compareFields({ a: 'BC1SW50QGDZ25J' }, { a: 'bc1sw50qgdz25j' }).mismatches).toEqual([]);
    expect(compareFields({ hash: null, x: 1 }, {}).notProvided).toEqual(['x']);
  });
});
