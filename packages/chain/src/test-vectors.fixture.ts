// Loads the copied fidelity corpus (packages/chain/test-vectors) for tests; the genesis coinbase is inflated once.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const DIR = new URL('../test-vectors/', import.meta.url);

export function loadVectors(name: 'transactions' | 'blocks' | 'scripts' | 'addresses'): Record<string, unknown> & { entries: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8')) as Record<string, unknown> & { entries: Record<string, unknown>[] };
}

const files = new Map<string, Uint8Array>();

/** A corpus data file (gzip) as raw bytes, checked against the sha256 the corpus states when given. */
export function loadDataFile(path: string, sha256OfRaw?: string): Uint8Array {
  let raw = files.get(path);
  if (raw === undefined) {
    raw = new Uint8Array(gunzipSync(readFileSync(new URL(path, DIR))));
    files.set(path, raw);
  }
  if (sha256OfRaw !== undefined) {
    const got = createHash('sha256').update(raw).digest('hex');
    if (got !== sha256OfRaw) throw new Error(`${path}: sha256 ${got} != ${sha256OfRaw}`);
  }
  return raw;
}

export const GENESIS_COINBASE_FILE = 'data/evrmore-genesis-coinbase.tx.bin.gz';
