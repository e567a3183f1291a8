import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@chainfan/chain';
import { fakeSignature, oneOfOneRedeemScript, p2shMultisigScriptSig, pushData, pushInt, scriptNum } from './script-builder.js';
import { seededRandom } from './random.js';

describe('script builder', () => {
  it('encodes heights the way CScript() << n does (BIP34)', () => {
    expect(bytesToHex(pushInt(0))).toBe('00');
    expect(bytesToHex(pushInt(1))).toBe('51');
    expect(bytesToHex(pushInt(16))).toBe('60');
    expect(bytesToHex(pushInt(17))).toBe('0111');
    expect(bytesToHex(pushInt(128))).toBe('028000'); // sign bit forces a padding byte
    expect(bytesToHex(pushInt(1_019_038))).toBe('039e8c0f'); // real Evrmore block 1,019,038 coinbase prefix
    expect(bytesToHex(scriptNum(-1))).toBe('81');
  });

  it('uses OP_PUSHDATA1 from 76 bytes on', () => {
    expect(pushData(new Uint8Array(75))[0]).toBe(75);
    expect([...pushData(new Uint8Array(76)).subarray(0, 2)]).toEqual([0x4c, 76]);
  });

  it('makes DER-shaped low-S signatures of 71 or 72 bytes ending in SIGHASH_ALL', () => {
    const r = seededRandom(9);
    const lengths = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const sig = fakeSignature(r);
      lengths.add(sig.length);
      expect(sig[0]).toBe(0x30);
      expect(sig[1]).toBe(sig.length - 3);
      expect(sig[2]).toBe(0x02);
      const rLen = sig[3] as number;
      expect(sig[4 + rLen]).toBe(0x02);
      expect(sig[5 + rLen]).toBe(32);
      expect((sig[6 + rLen] as number) & 0x80).toBe(0);
      expect(sig[sig.length - 1]).toBe(0x01);
    }
    expect([...lengths].sort()).toEqual([71, 72]);
  });

  it('spends a 1-of-1 multisig P2SH with OP_0 <sig> <redeemScript>', () => {
    const redeem = oneOfOneRedeemScript(new Uint8Array(33).fill(2));
    expect(redeem.length).toBe(37);
    expect(redeem[0]).toBe(0x51);
    expect(redeem[36]).toBe(0xae);
    const sig = p2shMultisigScriptSig(seededRandom(1), redeem);
    expect(sig[0]).toBe(0x00);
    expect(bytesToHex(sig.subarray(sig.length - 37))).toBe(bytesToHex(redeem));
  });
});
