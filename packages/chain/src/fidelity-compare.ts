// Field comparison with the fidelity corpus' normalization rules (README "How the entries are compared"); test support.
import { decodeSegwitAddress } from './bech32.js';

export interface Comparison {
  mismatches: string[];
  notProvided: string[];
}

const INT = /^-?\d+$/;
const HEX = /^[0-9a-fA-F]+$/;

/**
 * Compares every expected field against the adapter's value. null/absent expectations are skipped; arrays of objects
 * with `n` (outputs) are matched by `n`, other arrays by index.
 */
export function compareFields(expected: unknown, actual: unknown, path = ''): Comparison {
  const out: Comparison = { mismatches: [], notProvided: [] };
  walk(expected, actual, path, out);
  return out;
}

function walk(exp: unknown, act: unknown, path: string, out: Comparison): void {
  if (exp === null || exp === undefined) return;
  if (act === undefined || act === null) {
    out.notProvided.push(path);
    return;
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(act)) {
      out.mismatches.push(`${path}: expected an array`);
      return;
    }
    exp.forEach((e: unknown, i) => {
      const n = isRecord(e) && typeof e['n'] === 'number' ? e['n'] : undefined;
      const a: unknown = n === undefined ? act[i] : act.find((x: unknown) => isRecord(x) && x['n'] === n);
      walk(e, a, `${path}[${n ?? i}]`, out);
    });
    return;
  }
  if (isRecord(exp)) {
    if (!isRecord(act)) {
      out.mismatches.push(`${path}: expected an object`);
      return;
    }
    for (const [k, v] of Object.entries(exp)) walk(v, act[k], path === '' ? k : `${path}.${k}`, out);
    return;
  }
  if (!scalarEqual(exp, act, path)) out.mismatches.push(`${path}: expected ${JSON.stringify(exp)}, got ${show(act)}`);
}

function scalarEqual(exp: unknown, act: unknown, path: string): boolean {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (key === 'bits' && typeof act === 'number') act = act.toString(16).padStart(8, '0');
  if (key === 'version' && isInt(exp) && isInt(act)) return BigInt.asUintN(32, toBig(exp)) === BigInt.asUintN(32, toBig(act));
  if (typeof exp === 'boolean') return typeof act === 'boolean' ? exp === act : typeof act === 'number' ? exp === (act !== 0) : false;
  if (isInt(exp) && isInt(act)) return toBig(exp) === toBig(act);
  if (typeof exp === 'string' && typeof act === 'string') {
    if (exp === act) return true;
    if (HEX.test(exp)) return exp.toLowerCase() === act.toLowerCase();
    if (decodeSegwitAddress(exp).ok) return exp.toLowerCase() === act.toLowerCase();
    return false;
  }
  return exp === act;
}

function isInt(v: unknown): v is number | string | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && INT.test(v));
}

function toBig(v: number | string | bigint): bigint {
  return BigInt(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return typeof v === 'bigint' ? `${v}n` : JSON.stringify(v);
}
