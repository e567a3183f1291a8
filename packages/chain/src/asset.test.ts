// OP_EVR_ASSET scripts: real mainnet scripts re-encode byte for byte; messages, null asset data, malformed payloads.
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.js';
import { assetScript, decodeAssetPayload, decodeAssetPush, type AssetOutput } from './asset.js';
import { p2pkhScript, p2shScript } from './address.js';
import { NETWORKS } from './networks.js';
import { classifyScript } from './script-classify.js';
import { scriptPubKeyToJson } from './rpc-json.js';

const evr = NETWORKS['evrmore-main'];

describe('asset scripts', () => {
  // Real Evrmore mainnet outputs (fidelity corpus, fifo node JSON) and one Ravencoin-format testnet transfer.
  const real: Array<[string, string, typeof evr]> = [
    ['XENON! transfer', '76a914f75acf93906f8d4d96b83674cbd3d033050201a288acc013657672740658454e4f4e2100e1f5050000000075', evr],
    ['XENON reissue with IPFS', '76a9143c31c5bb776c15ba03f2fb88700c117b618e82de88acc036657672720558454e4f4e0076dd4101000000ff0112209ef32001260ce1d63225b4e42b03a3668d692deee2c736daaa1cbcc6e2c06de275', evr],
    ['MANTIFORGE issue', '76a9146f00b7b316eacccb25e5840e8c4bdcaa8c07ac0888acc01a657672710a4d414e5449464f52474500e1f5050000000000010075', evr],
    ['MANTIFORGE! owner token', '76a9146f00b7b316eacccb25e5840e8c4bdcaa8c07ac0888acc0106576726f0b4d414e5449464f5247452175', evr],
    ['BANANAS transfer (rvn)', '76a91430f446c2ac37dc072516603e44e86aea7af2bf6788acc01472766e740742414e414e4153000781421700000075', NETWORKS['ravencoin-test']],
  ];
  for (const [name, hex, net] of real) {
    it(`${name}: decodes, and assetScript rebuilds the exact bytes`, () => {
      const script = hexToBytes(hex);
      const info = classifyScript(script, net);
      expect(info.asset).toBeDefined();
      expect(bytesToHex(assetScript(script.subarray(0, 25), info.asset!, net))).toBe(hex);
    });
  }

  it('reads the XENON reissue as the node reports it', () => {
    const info = classifyScript(hexToBytes(real[1]![1]), evr);
    expect(info.type).toBe('reissue_asset');
    expect(info.asset).toEqual({
      kind: 'reissue', name: 'XENON', amount: 5_400_000_000n, units: -1, reissuable: true,
      ipfsHash: 'QmZ389U2bZHuaMWpe6Tr5CCWRVRD82tsYozpSCFNBrktG9',
    });
    expect(info.addresses).toEqual(['ENeBfLhUMMQyziHaYkpDZxa4kaH8Zofzkp']);
  });

  it('tolerates the trailing byte of the regtest TESTASSET issue, like the node', () => {
    const s = hexToBytes('76a91435a8d9b395f1594e2cf3e06e6ec357d1da89736888acc01a72766e710954455354415353455400e40b54020000000800000075');
    expect(classifyScript(s, NETWORKS['ravencoin-test']).asset).toEqual({
      kind: 'new', name: 'TESTASSET', amount: 10_000_000_000n, units: 8, reissuable: false, hasIpfs: false,
    });
  });

  it('round-trips a transfer with a txid message and expiry, on a P2SH base, into the node JSON shape', () => {
    const asset: AssetOutput = { kind: 'transfer', name: 'CHAINFAN/TEST', amount: 123n, message: 'ab'.repeat(32), expireTime: 1_900_000_000 };
    const script = assetScript(p2shScript(new Uint8Array(20).fill(7)), asset, evr);
    const info = classifyScript(script, evr);
    expect(info.type).toBe('transfer_asset');
    expect(info.asset).toEqual(asset);
    expect(info.addresses![0]!.startsWith('e')).toBe(true);
    expect(scriptPubKeyToJson(script, evr)['asset']).toEqual({ name: 'CHAINFAN/TEST', amount: 0.00000123, message: 'ab'.repeat(32), expire_time: 1_900_000_000 });
  });

  it('uses PUSHDATA1 for long pushes and still finds the marker one byte later', () => {
    const asset: AssetOutput = { kind: 'new', name: 'A'.repeat(30), amount: 1n, units: 8, reissuable: true, hasIpfs: true, ipfsHash: 'QmZ389U2bZHuaMWpe6Tr5CCWRVRD82tsYozpSCFNBrktG9' };
    const script = assetScript(p2pkhScript(new Uint8Array(20)), asset, evr);
    expect(script[26]).toBe(0x4c);
    expect(classifyScript(script, evr).asset).toEqual(asset);
  });

  it('reports an undecodable payload as the asset type without an asset (the node prints asset: {})', () => {
    const broken = hexToBytes('76a914f75acf93906f8d4d96b83674cbd3d033050201a288acc00b657672740658454e4f4e2175');
    expect(classifyScript(broken, evr).type).toBe('transfer_asset');
    expect(classifyScript(broken, evr).asset).toBeUndefined();
    expect(scriptPubKeyToJson(broken, evr)['asset']).toEqual({});
  });

  it('ignores asset markers on networks without assets', () => {
    expect(classifyScript(hexToBytes(real[0]![1]), NETWORKS['bitcoin-main']).type).toBe('nonstandard');
  });
});

describe('asset payloads', () => {
  it('decodes bare pushes and refuses unknown markers', () => {
    const p = decodeAssetPush(hexToBytes('72766e740d4e554b412f434f4c412f43415000e90ab5e2000000'));
    expect(p.ok && p.value).toEqual({ kind: 'transfer', name: 'NUKA/COLA/CAP', amount: 973_700_000_000n });
    expect(decodeAssetPush(hexToBytes('72766e780d4e554b412f434f4c412f43415000e90ab5e2000000'))).toMatchObject({ ok: false, error: 'ASSET_TYPE' });
    expect(decodeAssetPush(hexToBytes('72766e740d4e554b412f434f4c412f43415000e90ab5e2000000'), 'evr')).toMatchObject({ ok: false, error: 'ASSET_PREFIX' });
  });

  it('fails with a code on truncated payloads instead of throwing', () => {
    expect(decodeAssetPayload(hexToBytes('0558454e4f4e00'), 't')).toMatchObject({ ok: false, error: 'TRUNCATED' });
    expect(decodeAssetPayload(hexToBytes('ff'), 'q')).toMatchObject({ ok: false });
    expect(decodeAssetPayload(new Uint8Array(0), 'o')).toMatchObject({ ok: false, error: 'TRUNCATED' });
  });
});

describe('null asset data', () => {
  const hash = new Uint8Array(20).fill(0x11);
  const tag = concatBytes([Uint8Array.of(0xc0, 0x14), hash, hexToBytes('0604234254430' + '1')]);

  it('classifies a qualifier tag with its address and prints asset_data', () => {
    const info = classifyScript(tag, evr);
    expect(info.type).toBe('nullassetdata');
    expect(info.nullAsset).toEqual({ kind: 'address', hash160: hash, assetName: '#BTC', flag: 1 });
    const json = scriptPubKeyToJson(tag, evr);
    expect(json['asset_data']).toEqual({ asset_name: '#BTC', qualifier_type: 'adding qualifier', address: info.addresses![0] });
  });

  it('reads global freezes and verifier strings, which carry no address', () => {
    const global = hexToBytes('c050500705244142434401');
    expect(classifyScript(global, evr)).toMatchObject({ type: 'nullassetdata', nullAsset: { kind: 'global', assetName: '$ABCD', flag: 1 } });
    expect(scriptPubKeyToJson(global, evr)).toEqual({ asm: 'OP_EVR_ASSET 50500705244142434401', hex: 'c050500705244142434401', type: 'nullassetdata' });
    const verifier = hexToBytes('c0500403234b59');
    expect(classifyScript(verifier, evr).nullAsset).toEqual({ kind: 'verifier', verifierString: '#KY' });
  });
});
