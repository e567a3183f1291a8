// Null asset data outputs (type "nullassetdata"): qualifier tags, restricted freezes, and verifier strings.
import { Cursor, decodeWith } from './cursor.js';
import { OP } from './script-ops.js';

export type NullAssetData =
  /** `OP_EVR_ASSET <hash160> <name, flag>`: tag/untag (qualifier `#…`) or freeze/unfreeze (restricted `$…`) one address. */
  | { kind: 'address'; hash160: Uint8Array; assetName: string; flag: number }
  /** `OP_EVR_ASSET OP_RESERVED OP_RESERVED <name, flag>`: freeze or unfreeze a restricted asset everywhere. */
  | { kind: 'global'; assetName: string; flag: number }
  /** `OP_EVR_ASSET OP_RESERVED <verifier>`: a restricted asset's verifier string. */
  | { kind: 'verifier'; verifierString: string };

const utf8 = new TextDecoder('utf-8');

/**
 * Decodes a nullassetdata script the way the node's AssetNullDataFromScript / GlobalAssetNullDataFromScript /
 * AssetNullVerifierDataFromScript do (fixed offsets 23, 4 and 3); undefined when none applies or the data is short.
 */
export function decodeNullAssetScript(s: Uint8Array): NullAssetData | undefined {
  if (s.length < 1 || s[0] !== OP.OP_EVR_ASSET) return undefined;
  if (s.length > 23 && s[1] === 0x14) {
    const d = decodeWith(() => {
      const c = new Cursor(s, 23);
      return { assetName: utf8.decode(c.varBytes()), flag: c.i8() };
    });
    return d.ok ? { kind: 'address', hash160: s.subarray(2, 22), ...d.value } : undefined;
  }
  if (s.length > 6 && s[1] === OP.OP_RESERVED && s[2] === OP.OP_RESERVED) {
    const d = decodeWith(() => {
      const c = new Cursor(s, 4);
      return { assetName: utf8.decode(c.varBytes()), flag: c.i8() };
    });
    return d.ok ? { kind: 'global', ...d.value } : undefined;
  }
  if (s.length > 3 && s[1] === OP.OP_RESERVED && s[2] !== OP.OP_RESERVED) {
    const d = decodeWith(() => utf8.decode(new Cursor(s, 3).varBytes()));
    return d.ok ? { kind: 'verifier', verifierString: d.value } : undefined;
  }
  return undefined;
}
