// Several KeyStores asked as one (config keys, then a Redis set): a key is valid if any store knows it.
import type { KeyStore } from '@chainfan/bus';

export class AnyKeyStore implements KeyStore {
  constructor(private readonly stores: readonly KeyStore[]) {}

  /** Rejects only when no store said yes and at least one could not be asked (the caller fails closed). */
  async has(key: string): Promise<boolean> {
    let failure: unknown;
    for (const s of this.stores) {
      try {
        if (await s.has(key)) return true;
      } catch (err) {
        failure = err; // another store may still know the key
      }
    }
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
    return false;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.stores.map((s) => s.close()));
  }
}
