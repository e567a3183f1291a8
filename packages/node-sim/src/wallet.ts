// Deterministic keys for the simulator's wallets: addresses derive from (seed, index) only, so tests can predict them.
import { createHash } from 'node:crypto';
import { hash160, p2pkhScript, p2shScript, addressFromScript, type Network } from '@chainfan/chain';
import { oneOfOneRedeemScript, p2pkhScriptSig, p2shMultisigScriptSig } from './script-builder.js';
import type { Random } from './random.js';

export interface Wallet {
  readonly index: number;
  readonly kind: 'p2pkh' | 'p2sh';
  /** 33-byte compressed-looking public key (not on the curve: nothing here is ever verified). */
  readonly pubkey: Uint8Array;
  /** The 1-of-1 multisig script a P2SH wallet's address commits to. */
  readonly redeemScript: Uint8Array | undefined;
  readonly hash160: Uint8Array;
  readonly script: Uint8Array;
  readonly address: string;
}

/** Every `p2shEvery`-th wallet (index 3, 7, …) is P2SH, so both address kinds appear in traffic. */
export function deriveWallets(seed: number, count: number, network: Network, p2shEvery = 4): Wallet[] {
  const wallets: Wallet[] = [];
  for (let index = 0; index < count; index++) {
    const digest = createHash('sha256').update(`chainfan-node-sim/${seed}/${index}`).digest();
    const pubkey = new Uint8Array(33);
    pubkey[0] = 0x02 | ((digest[31] as number) & 1);
    pubkey.set(digest, 1);
    const isP2sh = p2shEvery > 0 && index % p2shEvery === p2shEvery - 1;
    const redeemScript = isP2sh ? oneOfOneRedeemScript(pubkey) : undefined;
    const h = hash160(redeemScript ?? pubkey);
    const script = isP2sh ? p2shScript(h) : p2pkhScript(h);
    wallets.push({ index, kind: isP2sh ? 'p2sh' : 'p2pkh', pubkey, redeemScript, hash160: h, script, address: addressOf(script, network) });
  }
  return wallets;
}

/** The scriptSig that spends an output (EVR or asset) locked to `wallet`. */
export function spendScriptSig(wallet: Wallet, random: Random): Uint8Array {
  return wallet.redeemScript === undefined ? p2pkhScriptSig(random, wallet.pubkey) : p2shMultisigScriptSig(random, wallet.redeemScript);
}

export function addressOf(script: Uint8Array, network: Network): string {
  const address = addressFromScript(script, network);
  if (address === undefined || address === null) throw new Error('script has no address form');
  return address;
}
