// Routing keys for a transaction: the addresses and assets it touches, so edges route without parsing bodies.
import { type Network, type TxInput, addressFromHash, base58checkEncode, hash160 } from '@chainfan/chain';

/**
 * The address an input spends from, when the scriptSig shows it: P2PKH (`<sig> <pubkey>`) and P2SH (last push is
 * the redeem script). Other inputs need the previous output, which a raw transaction does not carry.
 */
export function inputAddress(input: TxInput, net: Network): string | undefined {
  const pushes = scriptPushes(input.scriptSig);
  if (pushes === undefined || pushes.length === 0) return undefined;
  const last = pushes[pushes.length - 1]!;
  if (pushes.length === 2 && (last.length === 33 || last.length === 65) && (last[0] === 2 || last[0] === 3 || last[0] === 4)) {
    return base58checkEncode(net.pubkeyHash, hash160(last));
  }
  if (pushes.length >= 2 && pushes[0]!.length === 0 && last.length > 0) {
    return addressFromHash(Buffer.from(hash160(last)).toString('hex'), net.scriptHash); // OP_0 <sigs…> <redeemScript>
  }
  return undefined;
}

/** Data pushes of a push-only script, or undefined when it contains anything else. */
function scriptPushes(s: Uint8Array): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < s.length) {
    const op = s[i++]!;
    let len: number;
    if (op === 0) len = 0;
    else if (op < 0x4c) len = op;
    else if (op === 0x4c) { if (i + 1 > s.length) return undefined; len = s[i]!; i += 1; }
    else if (op === 0x4d) { if (i + 2 > s.length) return undefined; len = s[i]! | (s[i + 1]! << 8); i += 2; }
    else return undefined;
    if (i + len > s.length) return undefined;
    out.push(s.subarray(i, i + len));
    i += len;
  }
  return out;
}
