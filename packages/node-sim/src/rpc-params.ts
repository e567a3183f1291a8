// Parameter readers with bitcoind 0.15's messages: hashes, integers and the bool-or-number verbosity flags.
import { RPC_ERROR, RpcError } from './rpc-error.js';

const HEX = /^([0-9a-fA-F]{2})*$/;

/** ParseHashV: hex first, then exactly 64 digits. Returns the lower-case hash. */
export function hashParam(v: unknown, name: string): string {
  const s = typeof v === 'string' ? v : '';
  if (typeof v !== 'string' || !HEX.test(s)) throw new RpcError(RPC_ERROR.invalidParameter, `${name} must be hexadecimal string (not '${String(v)}')`);
  if (s.length !== 64) throw new RpcError(RPC_ERROR.invalidParameter, `${name} must be of length 64 (not ${s.length}, for '${s}')`);
  return s.toLowerCase();
}

/** UniValue::get_int: a JSON integer within int32. */
export function intParam(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -2_147_483_648 || v > 2_147_483_647) {
    throw new RpcError(RPC_ERROR.miscError, 'JSON value is not an integer as expected');
  }
  return v;
}

/** getblock's verbosity: a number, or a bool meaning 1/0 (the pre-0.15 `verbose` flag). */
export function verbosityParam(v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return intParam(v);
}

/** getrawtransaction's verbose: a number (non-zero = true) or a bool; anything else is a type error. */
export function verboseFlagParam(v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  throw new RpcError(RPC_ERROR.typeError, 'Invalid type provided. Verbose parameter must be a boolean.');
}

/** UniValue::get_bool. */
export function boolParam(v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw new RpcError(RPC_ERROR.miscError, 'JSON value is not a boolean as expected');
  return v;
}
