// Builds the simulated wallets' transactions (payments, asset issues, transfers, reissues) from real coins, fees balanced.
import {
  addressToScript, assetScript, base58Encode, buildTx, hexToBytes, p2pkhScript, p2shScript,
  type AssetOutput, type Network, type Transaction, type TxInput, type TxOutput,
} from '@chainfan/chain';
import { ChainfanError } from '@chainfan/protocol';
import { AssetRegistry, granularity } from './asset-registry.js';
import { COIN, ISSUE_ASSET_BURN_SATS, REISSUE_ASSET_BURN_SATS, type BurnHashes } from './burn-addresses.js';
import { freshAssetName, isValidRootAssetName } from './asset-names.js';
import { pick, randomBigInt, randomBytes, randomInt, type Random } from './random.js';
import { UtxoSet, type HeldAsset, type Utxo } from './utxo-set.js';
import { spendScriptSig, type Wallet } from './wallet.js';

/** Change below this is left to the miner, as wallets do with dust change. */
const DUST_SATS = 100_000n;
/** Extra EVR selected above the target so the fee (≤ 20 inputs at the top fee rate) is always covered. */
const FEE_BUFFER_SATS = 10_000_000n;
const MAX_INPUTS = 20;
/** Coins of one asset a transfer merges at most. */
const MAX_ASSET_INPUTS = 8;
/** Spendable coins per wallet above which payments also sweep in small coins. */
const CONSOLIDATE_ABOVE = 40;
const TX_VERSION = 2;
const SEQUENCE_FINAL_MINUS_ONE = 0xfffffffe;

export interface TxFactoryDeps {
  readonly network: Network;
  readonly random: Random;
  readonly wallets: readonly Wallet[];
  readonly utxos: UtxoSet;
  readonly assets: AssetRegistry;
  readonly burn: BurnHashes;
  readonly coinbaseMaturity: number;
  /** Fee rate range in satoshis per virtual byte. */
  readonly feeRateSatsPerVbyte: readonly [number, number];
  /** Height of the block the next tx can first appear in (tip + 1); also its anti-fee-sniping locktime base. */
  nextHeight(): number;
}

/** A transaction plus what the mempool and block template need to know about it. */
export interface BuiltTx {
  readonly tx: Transaction;
  readonly fee: bigint;
  readonly kind: TxKind;
}

export type TxKind = 'payment' | 'issue' | 'transfer' | 'reissue';

export interface IssueOptions {
  /** Receives the new asset and its owner token; a simulated wallet's address makes that wallet the issuer. */
  readonly to?: string | undefined;
  readonly amount?: bigint | undefined;
  readonly units?: number | undefined;
  readonly reissuable?: boolean | undefined;
  readonly withIpfs?: boolean | undefined;
}

interface PlannedOutput {
  readonly output: TxOutput;
  readonly owner: Wallet | undefined;
  readonly asset: HeldAsset | undefined;
}

/** Weights of the random mix in `randomTx`; a kind whose preconditions fail falls back to a payment. */
const MIX: ReadonlyArray<readonly [TxKind, number]> = [
  ['payment', 0.77],
  ['transfer', 0.19],
  ['issue', 0.03],
  ['reissue', 0.01],
];

export class TxFactory {
  readonly #d: TxFactoryDeps;
  readonly #byScript = new Map<string, Wallet>();

  constructor(deps: TxFactoryDeps) {
    this.#d = deps;
    for (const w of deps.wallets) this.#byScript.set(hexKey(w.script), w);
  }

  /** The wallet a plain P2PKH/P2SH script belongs to, if it is one of ours. */
  walletFor(script: Uint8Array): Wallet | undefined {
    return this.#byScript.get(hexKey(script));
  }

  /** One transaction of a random kind. Throws CHAINFAN_LIMIT_EXCEEDED only when no wallet can pay anything. */
  randomTx(): BuiltTx {
    let r = this.#d.random();
    let kind: TxKind = 'payment';
    for (const [k, w] of MIX) {
      if (r < w) {
        kind = k;
        break;
      }
      r -= w;
    }
    const built =
      kind === 'transfer' ? this.transfer() :
      kind === 'issue' ? this.issue() :
      kind === 'reissue' ? this.reissue() :
      undefined;
    return built ?? this.payment() ?? noFunds('any payment');
  }

  /** A payment from a random funded wallet to 1–3 recipients (mostly our wallets, some fresh outside addresses). */
  payment(): BuiltTx | undefined {
    const { random } = this.#d;
    const sender = this.#fundedWallet(COIN / 10n);
    if (sender === undefined) return undefined;
    const balance = this.#spendable(sender).reduce((s, u) => s + u.value, 0n);
    const outputs: PlannedOutput[] = [];
    const count = random() < 0.8 ? 1 : randomInt(random, 2, 3);
    for (let i = 0; i < count; i++) {
      const external = random() < 0.25;
      const cap = external ? 50n * COIN : 5_000n * COIN;
      const max = minBig(cap, (balance - FEE_BUFFER_SATS) / BigInt(count * 3));
      if (max <= COIN / 100n) return undefined;
      const value = randomBigInt(random, COIN / 100n, max);
      if (external) outputs.push({ output: { value, script: this.#externalScript() }, owner: undefined, asset: undefined });
      else {
        const to = pick(random, this.#d.wallets.filter((w) => w !== sender));
        outputs.push({ output: { value, script: to.script }, owner: to, asset: undefined });
      }
    }
    return this.#assemble('payment', sender, [], outputs, 'random');
  }

  /** Pays `sats` to `script` from a random wallet that can afford it (never from the recipient itself when avoidable). */
  payTo(script: Uint8Array, sats: bigint): BuiltTx {
    if (sats < 1n) throw new RangeError('amount must be at least 1 satoshi');
    const owner = this.walletFor(script);
    const sender =
      this.#fundedWallet(sats + FEE_BUFFER_SATS, (w) => w !== owner) ?? this.#fundedWallet(sats + FEE_BUFFER_SATS) ?? noFunds(`${sats} sats`);
    return this.#assemble('payment', sender, [], [{ output: { value: sats, script }, owner, asset: undefined }], 'random') ?? noFunds(`${sats} sats`);
  }

  /**
   * Issues a new root asset: inputs from the issuer, outputs [500 EVR burn, change, owner token `NAME!`, new asset],
   * the order the node's wallet produces and its validation expects (new asset last, owner token before it).
   */
  issue(name?: string, opts: IssueOptions = {}): BuiltTx | undefined {
    const { random, assets } = this.#d;
    const assetName = name ?? freshAssetName(random, (n) => assets.has(n));
    if (!isValidRootAssetName(assetName)) throw new RangeError(`invalid asset name ${JSON.stringify(assetName)}`);
    if (assets.has(assetName)) throw new RangeError(`asset ${assetName} already exists`);
    const recipient = opts.to === undefined ? undefined : this.#scriptOf(opts.to);
    const recipientWallet = recipient === undefined ? undefined : this.walletFor(recipient);
    const need = ISSUE_ASSET_BURN_SATS + FEE_BUFFER_SATS;
    const issuer =
      (recipientWallet !== undefined && this.#canSpend(recipientWallet, need) ? recipientWallet : undefined) ?? this.#fundedWallet(need);
    if (issuer === undefined) return name === undefined ? undefined : noFunds('an asset issue');
    const units = opts.units ?? pick(random, [0, 0, 0, 2, 4, 8, 8]);
    if (!Number.isInteger(units) || units < 0 || units > 8) throw new RangeError('units must be 0..8');
    const amount = opts.amount ?? BigInt(randomInt(random, 1, 21_000_000)) * COIN;
    if (amount <= 0n || amount % granularity(units) !== 0n) throw new RangeError(`amount must be a positive multiple of ${granularity(units)}`);
    const reissuable = opts.reissuable ?? random() < 0.7;
    const ipfs = (opts.withIpfs ?? random() < 0.3) ? ipfsHash(random) : undefined;
    const holderScript = recipient ?? issuer.script;
    const holder = recipient === undefined ? issuer : recipientWallet;
    const outputs: PlannedOutput[] = [
      { output: { value: ISSUE_ASSET_BURN_SATS, script: p2pkhScript(hexToBytes(this.#d.burn.issueAsset)) }, owner: undefined, asset: undefined },
      this.#assetOut(holderScript, holder, { kind: 'owner', name: `${assetName}!`, amount: COIN }),
      this.#assetOut(holderScript, holder, {
        kind: 'new', name: assetName, amount, units, reissuable, hasIpfs: ipfs !== undefined, ...(ipfs === undefined ? {} : { ipfsHash: ipfs }),
      }),
    ];
    const built = this.#assemble('issue', issuer, [], outputs, 1);
    if (built === undefined) return name === undefined ? undefined : noFunds('an asset issue');
    assets.add({ name: assetName, units, reissuable, supply: amount, issueTxid: built.tx.txid });
    return built;
  }

  /**
   * Moves part of a holding to another address: inputs [the sender's coins of that asset (up to 8, so holdings do not
   * fragment), EVR for the fee], outputs [EVR change, `t` to the recipient, `t` change back to the sender]. Without a
   * `name`, a random held asset (not an owner token); without `to`, another of our wallets or an outside address.
   */
  transfer(name?: string, to?: string, amount?: bigint): BuiltTx | undefined {
    const { random, assets } = this.#d;
    const wanted = (u: Utxo): boolean => {
      const n = (u.asset as HeldAsset).name;
      return name === undefined ? !n.endsWith('!') : n === name;
    };
    const candidates = this.#fundedWallets(FEE_BUFFER_SATS).flatMap((w) => this.#d.utxos.assetCoins(w).filter(wanted));
    if (candidates.length === 0) return name === undefined ? undefined : noFunds(`a transfer of ${name}`);
    const coin = pick(random, candidates);
    const assetName = (coin.asset as HeldAsset).name;
    const coins = [coin, ...this.#d.utxos.assetCoins(coin.owner).filter((u) => u !== coin && (u.asset as HeldAsset).name === assetName)].slice(0, MAX_ASSET_INPUTS);
    const held: HeldAsset = { name: assetName, amount: coins.reduce((s, u) => s + (u.asset as HeldAsset).amount, 0n) };
    const info = assets.get(held.name.replace(/!$/, ''));
    const step = held.name.endsWith('!') || info === undefined ? held.amount : granularity(info.units);
    const moved = amount ?? step * BigInt(randomInt(random, 1, Number(minBig(held.amount / step, 1_000_000n))));
    if (moved <= 0n || moved > held.amount || moved % step !== 0n) throw new RangeError(`cannot transfer ${moved} of ${held.name} (holding ${held.amount})`);
    let toScript: Uint8Array;
    let toWallet: Wallet | undefined;
    if (to !== undefined) {
      toScript = this.#scriptOf(to);
      toWallet = this.walletFor(toScript);
    } else if (random() < 0.2) {
      toScript = this.#externalScript();
      toWallet = undefined;
    } else {
      toWallet = pick(random, this.#d.wallets.filter((w) => w !== coin.owner));
      toScript = toWallet.script;
    }
    const message = random() < 0.1 ? ipfsHash(random) : undefined;
    const outputs: PlannedOutput[] = [
      this.#assetOut(toScript, toWallet, { kind: 'transfer', name: held.name, amount: moved, ...(message === undefined ? {} : { message }) }),
    ];
    const rest = held.amount - moved;
    if (rest > 0n) outputs.push(this.#assetOut(coin.owner.script, coin.owner, { kind: 'transfer', name: held.name, amount: rest }));
    return this.#assemble('transfer', coin.owner, coins, outputs, 0);
  }

  /**
   * Reissues more of an asset its owner-token holder controls: outputs [100 EVR burn, change, owner token back to the
   * holder (`t NAME!`), `r` reissue last]. Occasionally makes the asset final (reissuable = false).
   */
  reissue(name?: string, amount?: bigint): BuiltTx | undefined {
    const { random, assets } = this.#d;
    const need = REISSUE_ASSET_BURN_SATS + FEE_BUFFER_SATS;
    const owners = this.#fundedWallets(need).flatMap((w) =>
      this.#d.utxos.assetCoins(w).filter((u) => {
        const held = u.asset as HeldAsset;
        if (!held.name.endsWith('!')) return false;
        const info = assets.get(held.name.slice(0, -1));
        return info !== undefined && info.reissuable && (name === undefined || info.name === name);
      }),
    );
    if (owners.length === 0) return name === undefined ? undefined : noFunds(`a reissue of ${name}`);
    const ownerCoin = pick(random, owners);
    const info = assets.get((ownerCoin.asset as HeldAsset).name.slice(0, -1));
    if (info === undefined) return undefined;
    const more = amount ?? BigInt(randomInt(random, 1, 1_000_000)) * COIN;
    if (more <= 0n || more % granularity(info.units) !== 0n) throw new RangeError(`reissue amount must be a positive multiple of ${granularity(info.units)}`);
    const stillReissuable = random() < 0.9;
    const holder = ownerCoin.owner;
    const outputs: PlannedOutput[] = [
      { output: { value: REISSUE_ASSET_BURN_SATS, script: p2pkhScript(hexToBytes(this.#d.burn.reissueAsset)) }, owner: undefined, asset: undefined },
      this.#assetOut(holder.script, holder, { kind: 'transfer', name: `${info.name}!`, amount: COIN }),
      // units -1: unchanged, as the node's wallet writes it when the issuer does not raise the precision.
      this.#assetOut(holder.script, holder, { kind: 'reissue', name: info.name, amount: more, units: -1, reissuable: stillReissuable }),
    ];
    const built = this.#assemble('reissue', holder, [ownerCoin], outputs, 1);
    if (built === undefined) return undefined;
    info.supply += more;
    info.reissuable = stillReissuable;
    return built;
  }

  /**
   * Selects EVR coins of `payer` (after the `preset` inputs), adds change at `changeAt` ('random' as Core's wallet does),
   * sizes the fee from the real serialized vsize and commits the result to the UTXO set. Undefined when `payer` is short.
   */
  #assemble(kind: TxKind, payer: Wallet, preset: readonly Utxo[], outputs: readonly PlannedOutput[], changeAt: number | 'random'): BuiltTx | undefined {
    const { random, utxos } = this.#d;
    const outTotal = outputs.reduce((s, o) => s + o.output.value, 0n);
    const target = outTotal + FEE_BUFFER_SATS;
    const candidates = this.#spendable(payer).filter((u) => !preset.includes(u));
    // Random coins first (varied input counts); largest first when random picks would need too many inputs.
    const inputs = selectCoins(shuffle(random, [...candidates]), preset, target) ?? selectCoins(largestLast(candidates), preset, target);
    if (inputs === undefined) return undefined;
    // A wallet holding many coins folds some small ones in, as wallets consolidate: keeps the coin set (and the work
    // per tx) bounded over long runs.
    if (candidates.length > CONSOLIDATE_ABOVE) {
      const small = largestLast(candidates.filter((u) => !inputs.includes(u))).reverse();
      while (inputs.length < MAX_INPUTS && small.length > 0) inputs.push(small.shift() as Utxo);
    }
    const inTotal = inputs.reduce((s, u) => s + u.value, 0n);
    const feeRate = BigInt(randomInt(random, this.#d.feeRateSatsPerVbyte[0], this.#d.feeRateSatsPerVbyte[1]));
    const change: PlannedOutput = { output: { value: inTotal - outTotal, script: payer.script }, owner: payer, asset: undefined };
    const at = changeAt === 'random' ? randomInt(random, 0, outputs.length) : Math.min(changeAt, outputs.length);
    const txInputs: TxInput[] = inputs.map((u) => ({
      prevTxid: u.txid, vout: u.vout, scriptSig: spendScriptSig(u.owner, random), sequence: SEQUENCE_FINAL_MINUS_ONE, witness: [],
    }));
    const locktime = Math.max(0, this.#d.nextHeight() - 1);
    const layout = (c: PlannedOutput | undefined): PlannedOutput[] =>
      c === undefined ? [...outputs] : [...outputs.slice(0, at), c, ...outputs.slice(at)];
    const draft = buildTx({ version: TX_VERSION, inputs: txInputs, outputs: layout(change).map((p) => p.output), locktime });
    const fee = feeRate * BigInt(draft.vsize);
    const changeValue = inTotal - outTotal - fee;
    const planned = changeValue >= DUST_SATS ? layout({ ...change, output: { ...change.output, value: changeValue } }) : layout(undefined);
    const tx = buildTx({ version: TX_VERSION, inputs: txInputs, outputs: planned.map((p) => p.output), locktime });
    for (const u of inputs) utxos.spend(u.txid, u.vout);
    planned.forEach((p, vout) => {
      if (p.owner !== undefined) {
        utxos.add({ txid: tx.txid, vout, value: p.output.value, script: p.output.script, owner: p.owner, asset: p.asset, coinbaseHeight: undefined });
      }
    });
    return { tx, fee: inTotal - planned.reduce((s, p) => s + p.output.value, 0n), kind };
  }

  #assetOut(base: Uint8Array, owner: Wallet | undefined, asset: AssetOutput): PlannedOutput {
    return {
      output: { value: 0n, script: assetScript(base, asset, this.#d.network) },
      owner,
      asset: { name: asset.name, amount: asset.amount },
    };
  }

  #spendable(w: Wallet): Utxo[] {
    return this.#d.utxos.spendableEvr(w, this.#d.nextHeight(), this.#d.coinbaseMaturity);
  }

  #canSpend(w: Wallet, sats: bigint): boolean {
    let total = 0n;
    for (const u of this.#spendable(w)) if ((total += u.value) >= sats) return true;
    return false;
  }

  #fundedWallets(sats: bigint): Wallet[] {
    return this.#d.wallets.filter((w) => this.#canSpend(w, sats));
  }

  #fundedWallet(sats: bigint, filter: (w: Wallet) => boolean = () => true): Wallet | undefined {
    const funded = this.#fundedWallets(sats).filter(filter);
    return funded.length === 0 ? undefined : pick(this.#d.random, funded);
  }

  #externalScript(): Uint8Array {
    const h = randomBytes(this.#d.random, 20);
    return this.#d.random() < 0.85 ? p2pkhScript(h) : p2shScript(h);
  }

  #scriptOf(address: string): Uint8Array {
    return scriptForAddress(address, this.#d.network);
  }
}

/** The output script paying `address`; throws CHAINFAN_DECODE_FAILED for an address of another network or a typo. */
export function scriptForAddress(address: string, network: Network): Uint8Array {
  const r = addressToScript(address, network);
  if (!r.ok) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `not a ${network.name} address: ${address} (${r.error})`);
  return r.value;
}

/** A CIDv0 (`Qm…`): base58 of the sha2-256 multihash 0x12 0x20 ‖ 32 bytes, the IPFS form asset payloads carry. */
function ipfsHash(random: Random): string {
  const multihash = new Uint8Array(34);
  multihash[0] = 0x12;
  multihash[1] = 0x20;
  multihash.set(randomBytes(random, 32), 2);
  return base58Encode(multihash);
}

function noFunds(what: string): never {
  throw new ChainfanError('CHAINFAN_LIMIT_EXCEEDED', `simulated wallets cannot fund ${what}`);
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** Takes coins from the end of `pool` until `target` is met; undefined if that needs more than MAX_INPUTS inputs. */
function selectCoins(pool: Utxo[], preset: readonly Utxo[], target: bigint): Utxo[] | undefined {
  const inputs = [...preset];
  let total = preset.reduce((s, u) => s + u.value, 0n);
  while (total < target) {
    const next = pool.pop();
    if (next === undefined || inputs.length >= MAX_INPUTS) return undefined;
    inputs.push(next);
    total += next.value;
  }
  return inputs;
}

/** Ascending by value, so `pop()` yields the largest coin. */
function largestLast(coins: readonly Utxo[]): Utxo[] {
  return [...coins].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function hexKey(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
