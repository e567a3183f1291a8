// Typed environment/flag tables: every app declares one table, parses it once, and gets a frozen config or
// every problem at once (exit 78, EX_CONFIG). Pure: callers pass `process.env` in from their composition root.
import { ChainfanError } from '@chainfan/protocol';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface Field<T> {
  readonly kind: string;
  readonly help: string;
  readonly parse: (raw: string | undefined, name: string) => Parsed<T>;
  readonly describeDefault: string;
  /**
   * The row's type and bounds applied to an already typed value (an option handed to a constructor), so programmatic
   * configuration meets the same bounds as the environment. Returns the problem, named by `label`, or undefined.
   */
  readonly check?: (value: unknown, label: string) => string | undefined;
}

/** A row whose bounds can also be checked on typed values: what every builder below returns. */
export interface CheckedField<T> extends Field<T> {
  readonly check: (value: unknown, label: string) => string | undefined;
}

type Spec<T> = { default?: T; help?: string };

/**
 * One row: `convert` turns the raw string into a candidate value (or says why not), `check` applies the type and
 * bounds; parsing a variable runs both, a programmatic value runs only `check`.
 */
function field<T>(kind: string, spec: Spec<T>, convert: (raw: string, name: string) => Parsed<unknown>, check: (value: unknown, label: string) => string | undefined, required = false): CheckedField<T> {
  return {
    kind,
    help: spec.help ?? '',
    describeDefault: spec.default === undefined ? (required ? '(required)' : '(unset)') : String(spec.default),
    // undefined is a value only for a row that may stay unset (no default, not required)
    check: (value, label) => (value === undefined && !required && spec.default === undefined ? undefined : check(value, label)),
    parse: (raw, name) => {
      if (raw === undefined || raw === '') {
        if (spec.default !== undefined) return { ok: true, value: spec.default };
        if (required) return { ok: false, error: `${name} is required` };
        return { ok: true, value: undefined as T };
      }
      const c = convert(raw, name);
      if (!c.ok) return c;
      const problem = check(c.value, name);
      return problem === undefined ? { ok: true, value: c.value as T } : { ok: false, error: problem };
    },
  };
}

const ok = (value: unknown): Parsed<unknown> => ({ ok: true, value });

function bounded(what: string, integer: boolean, min: number | undefined, max: number | undefined) {
  return (v: unknown, label: string): string | undefined => {
    if (typeof v !== 'number' || !(integer ? Number.isSafeInteger(v) : Number.isFinite(v))) return `${label} must be ${what}, got ${String(v)}`;
    if (min !== undefined && v < min) return `${label} must be >= ${min}, got ${v}`;
    if (max !== undefined && v > max) return `${label} must be <= ${max}, got ${v}`;
    return undefined;
  };
}

export function int(spec: Spec<number> & { min?: number; max?: number }): CheckedField<number> & { readonly min?: number; readonly max?: number } {
  const f = field<number>('int', spec, (raw, name) => (/^-?\d+$/.test(raw.trim()) ? ok(Number(raw)) : { ok: false, error: `${name} must be an integer, got "${raw}"` }),
    bounded('an integer', true, spec.min, spec.max), spec.default === undefined);
  return { ...f, ...(spec.min === undefined ? {} : { min: spec.min }), ...(spec.max === undefined ? {} : { max: spec.max }) };
}

export function num(spec: Spec<number> & { min?: number; max?: number }): CheckedField<number> & { readonly min?: number; readonly max?: number } {
  const f = field<number>('number', spec, (raw, name) => {
    const n = Number(raw);
    return raw.trim() === '' || !Number.isFinite(n) ? { ok: false, error: `${name} must be a number, got "${raw}"` } : ok(n);
  }, bounded('a number', false, spec.min, spec.max), spec.default === undefined);
  return { ...f, ...(spec.min === undefined ? {} : { min: spec.min }), ...(spec.max === undefined ? {} : { max: spec.max }) };
}

export function str(spec: Spec<string> & { pattern?: RegExp; optional?: boolean }): CheckedField<string> {
  return field('string', spec, ok, (v, label) => {
    if (typeof v !== 'string') return `${label} must be a string, got ${typeof v}`;
    return spec.pattern && !spec.pattern.test(v) ? `${label} has an invalid value "${v}"` : undefined;
  }, spec.default === undefined && spec.optional !== true);
}

export function optionalStr(spec: { help?: string } = {}): CheckedField<string | undefined> {
  return field<string | undefined>('string', spec, ok, (v, label) => (typeof v === 'string' ? undefined : `${label} must be a string, got ${typeof v}`));
}

export function bool(spec: Spec<boolean>): CheckedField<boolean> {
  return field('bool', spec, (raw, name) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
    if (['0', 'false', 'no', 'off'].includes(v)) return ok(false);
    return { ok: false, error: `${name} must be true or false, got "${raw}"` };
  }, (v, label) => (typeof v === 'boolean' ? undefined : `${label} must be true or false, got ${String(v)}`), spec.default === undefined);
}

export function oneOf<const T extends readonly string[]>(values: T, spec: Spec<T[number]>): CheckedField<T[number]> {
  return field('enum', spec, ok, (v, label) => (typeof v === 'string' && (values as readonly string[]).includes(v) ? undefined : `${label} must be one of ${values.join(', ')}, got "${String(v)}"`), spec.default === undefined);
}

export function url(spec: Spec<string> & { protocols: readonly string[]; optional?: boolean }): CheckedField<string> {
  return field('url', spec, ok, (v, label) => {
    if (typeof v !== 'string') return `${label} must be a URL string, got ${typeof v}`;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return `${label} must be a URL, got "${v}"`; // the message names the variable; the URL error adds nothing
    }
    if (!spec.protocols.includes(u.protocol)) return `${label} must use ${spec.protocols.join(' or ')}, got "${u.protocol}"`;
    return undefined;
  }, spec.default === undefined && spec.optional !== true);
}

export type EnvTable = Readonly<Record<string, Field<unknown>>>;
export type EnvValues<T extends EnvTable> = { readonly [K in keyof T]: T[K] extends Field<infer V> ? V : never };

/** Parses every variable of the table; throws one CHAINFAN_CONFIG_INVALID error listing every problem. */
export function parseEnv<T extends EnvTable>(table: T, env: Readonly<Record<string, string | undefined>>): EnvValues<T> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, f] of Object.entries(table)) {
    const r = f.parse(env[name], name);
    if (r.ok) out[name] = r.value;
    else problems.push(r.error);
  }
  if (problems.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { context: { problems } });
  }
  return Object.freeze(out) as EnvValues<T>;
}

/** Lines for --help: name, kind, default, help. */
export function describeEnv(table: EnvTable): string {
  const rows = Object.entries(table).map(([n, f]) => [n, f.kind, f.describeDefault, f.help] as const);
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([n, k, d, h]) => `  ${n.padEnd(w)}  ${k.padEnd(6)} default ${d}${h ? `  ${h}` : ''}`).join('\n');
}

export const EX_CONFIG = 78;
