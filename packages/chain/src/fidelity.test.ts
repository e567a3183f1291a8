// Every entry of the fidelity corpus (transactions, blocks, scripts, addresses) through fidelity-adapter.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes, hexToBytes } from './bytes.js';
import { encodeCompactSize } from './compact-size.js';
import { compareFields, type Comparison } from './fidelity-compare.js';
import * as adapter from './fidelity-adapter.js';
import { p2pkhScript, p2shScript } from './address.js';
import { loadDataFile, loadVectors } from './test-vectors.fixture.js';

type Entry = Record<string, unknown>;

interface Tally {
  passed: number;
  failed: string[];
  skipped: number;
  notProvided: number;
}

const tallies = new Map<string, Tally>();

function tally(file: string): Tally {
  let t = tallies.get(file);
  if (t === undefined) tallies.set(file, (t = { passed: 0, failed: [], skipped: 0, notProvided: 0 }));
  return t;
}

/** One entry = one pass/fail: every provided field must match; an entry with nothing comparable is skipped. */
function record(file: string, id: string, results: Comparison[]): void {
  const t = tally(file);
  const mismatches = results.flatMap((r) => r.mismatches);
  const notProvided = results.flatMap((r) => r.notProvided);
  t.notProvided += notProvided.length;
  if (mismatches.length > 0) t.failed.push(`${id}: ${mismatches.slice(0, 5).join('; ')}`);
  else if (results.length === 0 || results.every((r) => r.mismatches.length === 0 && isEmptyCompare(r))) t.skipped++;
  else t.passed++;
}

// A comparison where every expected field was "not provided" compared nothing.
const compared = new WeakSet<Comparison>();
function cmp(expected: unknown, actual: unknown, path = ''): Comparison {
  const c = compareFields(expected, actual, path);
  if (c.notProvided.length === 0 || countLeaves(expected) > c.notProvided.length) compared.add(c);
  return c;
}
function isEmptyCompare(c: Comparison): boolean {
  return !compared.has(c);
}
function countLeaves(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countLeaves(x), 0);
  if (typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + countLeaves(x), 0);
  return 1;
}

function fail(file: string, id: string, why: string): void {
  tally(file).failed.push(`${id}: ${why}`);
}

const str = (v: unknown): string => v as string;

afterAll(() => {
  for (const [file, t] of tallies) {
    console.log(`fidelity ${file}: ${t.passed} passed, ${t.failed.length} failed, ${t.skipped} skipped, ${t.notProvided} fields not provided`);
  }
});

describe('fidelity corpus', () => {
  it('transactions.json', () => {
    const file = 'transactions.json';
    for (const e of loadVectors('transactions').entries) {
      const raw = e['hex_file'] !== undefined ? loadDataFile(str(e['hex_file']), e['hex_file_sha256_of_raw'] as string | undefined) : hexToBytes(str(e['hex']));
      const got = adapter.decodeTx(raw, { chain: e['chain'] as string, network: e['network'] as string | null });
      if (got === null) fail(file, str(e['id']), 'decodeTx failed');
      else record(file, str(e['id']), [cmp(e['expect'], got)]);
    }
    expectClean(file, 185);
  });

  it('blocks.json', () => {
    const file = 'blocks.json';
    const v = loadVectors('blocks');
    for (const e of v.entries) {
      const ctx = { chain: e['chain'] as string, network: e['network'] as string | null, headerFormat: e['header_format'] as 80 | 120, hashAlgorithm: str(e['hash_algorithm']) };
      const expectation = { ...(e['expect'] as Entry) };
      // README: height is compared only when it is inside the header.
      if (ctx.headerFormat === 80) delete expectation['height'];
      let got: Entry | null;
      if (e['block_hex'] !== undefined) got = adapter.decodeBlock(str(e['block_hex']), ctx);
      else if (e['tx_files'] !== undefined) {
        const txs = (e['tx_files'] as string[]).map((f) => loadDataFile(f));
        got = adapter.decodeBlock(concatBytes([hexToBytes(str(e['header_hex'])), encodeCompactSize(txs.length), ...txs]), ctx);
      } else got = adapter.decodeHeader(str(e['header_hex']), ctx);
      if (got === null) fail(file, str(e['id']), 'decode failed');
      else record(file, str(e['id']), [cmp(expectation, got)]);
    }
    for (const m of v['merkle_sets'] as Entry[]) {
      record(file, str(m['id']), [cmp(m['merkle_root'], adapter.merkleRoot(m['txids'] as string[]), 'merkle_root')]);
    }
    for (const p of v['pow_vectors'] as Entry[]) {
      const got = adapter.powHash({
        algorithm: str(p['algorithm']), constantsAscii: str(p['constants_ascii']), blockNumber: p['block_number'] as number,
        headerHash: str(p['header_hash']), nonce64: str(p['nonce64']), mixHash: str(p['mix_hash']),
      });
      record(file, str(p['id']), [cmp(p['final_hash'], got, 'final_hash')]);
    }
    expectClean(file, 20 + 1 + 15);
  });

  it('scripts.json', () => {
    const file = 'scripts.json';
    for (const e of loadVectors('scripts').entries) {
      const ctx = { chain: e['chain'] as string, network: e['network'] as string };
      const ex = e['expect'] as Entry;
      if (e['kind'] === 'asset_payload') {
        const got = adapter.decodeAssetPayload(str(e['payload_hex']));
        if (ex['valid'] === false) {
          if (got === null) record(file, str(e['id']), [cmp(true, true, 'invalid')]);
          else fail(file, str(e['id']), 'an invalid payload decoded');
        } else if (got === null) fail(file, str(e['id']), 'decodeAssetPayload failed');
        else record(file, str(e['id']), [cmp(ex, got)]);
        continue;
      }
      record(file, str(e['id']), [cmp(ex, adapter.decodeScript(str(e['script_hex']), ctx))]);
    }
    expectClean(file, 15);
  });

  it('addresses.json', () => {
    const file = 'addresses.json';
    const v = loadVectors('addresses');
    for (const e of v.entries) {
      const ctx = { chain: e['chain'] as string, network: e['network'] as string };
      const address = str(e['address']);
      const results: Comparison[] = [];
      if (e['hash_hex'] !== undefined && e['version_byte'] !== undefined) {
        results.push(cmp(address, adapter.addressFromHash(str(e['hash_hex']), e['version_byte'] as number), 'addressFromHash'));
      }
      results.push(cmp(
        { version_byte: e['version_byte'], hash_hex: e['hash_hex'], witness_version: e['witness_version'], program_hex: e['program_hex'] },
        adapter.decodeAddress(address) ?? {}, 'decodeAddress',
      ));
      if (e['script_hex'] !== undefined) results.push(cmp(address, adapter.addressFromScript(str(e['script_hex']), ctx), 'addressFromScript'));
      if (e['redeem_script_hex'] !== undefined) results.push(cmp(address, adapter.p2shAddressOf(str(e['redeem_script_hex']), ctx), 'p2sh(redeem)'));
      record(file, address, results);
    }
    for (const p of v['prefixes'] as Entry[]) {
      const ctx = { chain: str(p['chain']), network: str(p['network']) };
      const zero = new Uint8Array(20);
      const pkh = adapter.decodeAddress(adapter.addressFromScript(p2pkhScript(zero), ctx) ?? '');
      const sh = adapter.decodeAddress(adapter.addressFromScript(p2shScript(zero), ctx) ?? '');
      record(file, `prefix ${ctx.chain}-${ctx.network}`, [
        cmp(p['pubkey_address'], pkh?.['version_byte'], 'pubkey_address'),
        cmp(p['script_address'], sh?.['version_byte'], 'script_address'),
      ]);
    }
    for (const b of v['base58_vectors'] as Entry[]) {
      record(file, `base58 ${str(b['base58'])}`, [
        cmp(b['base58'] === '' ? undefined : b['base58'], adapter.base58Encode(str(b['hex'])), 'base58Encode'),
        cmp(b['hex'] === '' ? undefined : b['hex'], adapter.base58Decode(str(b['base58'])), 'base58Decode'),
        // The empty vector has nothing the rules can compare ('' is not a checked value), so check it directly.
        ...(b['hex'] === '' ? [cmp(true, adapter.base58Encode('') === '' && adapter.base58Decode('') === '', 'empty')] : []),
      ]);
    }
    expectClean(file, 87 + 4 + 12);
  });
});

function expectClean(file: string, entries: number): void {
  const t = tally(file);
  expect(t.failed, `${file} mismatches`).toEqual([]);
  expect(t.passed + t.skipped, `${file} entries`).toBe(entries);
}
