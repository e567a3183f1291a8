// What the simulated chain knows about each issued asset: enough to issue, transfer and reissue consistently.
export interface AssetInfo {
  readonly name: string;
  /** Decimal places 0–8; transfers move multiples of 10^(8-units) base units. */
  units: number;
  reissuable: boolean;
  /** Total issued, in 1e-8 units. */
  supply: bigint;
  readonly issueTxid: string;
}

export class AssetRegistry {
  readonly #assets = new Map<string, AssetInfo>();

  has(name: string): boolean {
    return this.#assets.has(name);
  }

  get(name: string): AssetInfo | undefined {
    return this.#assets.get(name);
  }

  add(info: AssetInfo): void {
    if (this.#assets.has(info.name)) throw new Error(`asset ${info.name} already exists`);
    this.#assets.set(info.name, info);
  }

  all(): AssetInfo[] {
    return [...this.#assets.values()];
  }

  get size(): number {
    return this.#assets.size;
  }
}

/** Smallest transferable amount of an asset with `units` decimals, in 1e-8 units. */
export function granularity(units: number): bigint {
  return 10n ** BigInt(8 - units);
}
