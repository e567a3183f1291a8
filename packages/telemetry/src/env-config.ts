// Typed environment/flag tables: every app declares one table, parses it once, and gets a frozen config or
// every problem at once (exit 78, EX_CONFIG). Pure: callers pass `process.env` in from their composition root.
import { ChainfanError } from '@chainfan/protocol';

export interface Field<T> {
  readonly kind: string;
  readonly help: string;
  readonly parse: (raw: string | undefined, name: string) => { ok: true; value: T } | { ok: false; error: string };
  readonly describeDefault: string;
}

type Spec<T> = { default?: T; help?: string };

function field<T>(kind: string, spec: Spec<T>, parseSome: (raw: string, name: string) => { ok: true; value: T } | { ok: false; error: string }, required = false): Field<T> {
  return {
    kind,
    help: spec.help ?? '',
    describeDefault: spec.default === undefined ? (required ? '(required)' : '(unset)') : String(spec.default),
    parse: (raw, name) => {
      if (raw === undefined || raw === '') {
        if (spec.default !== undefined) return { ok: true, value: spec.default };
        if (required) return { ok: false, error: `${name} is required` };
        return { ok: true, value: undefined as T };
      }
      return parseSome(raw, name);
    },
  };
}

export function int(spec: Spec<number> & { min?: number; max?: number }): Field<number> {
  return field('int', spec, (raw, name) => {
    if (!/^-?\d+$/.test(raw.trim())) return { ok: false, error: `${name} must be an integer, got "${raw}"` };
    const n = Number(raw);
    if (spec.min !== undefined && n < spec.min) return { ok: false, error: `${name} must be >= ${spec.min}, got ${n}` };
    if (spec.max !== undefined && n > spec.max) return { ok: false, error: `${name} must be <= ${spec.max}, got ${n}` };
    return { ok: true, value: n };
  }, spec.default === undefined);
}

export function num(spec: Spec<number> & { min?: number; max?: number }): Field<number> {
  return field('number', spec, (raw, name) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) return { ok: false, error: `${name} must be a number, got "${raw}"` };
    if (spec.min !== undefined && n < spec.min) return { ok: false, error: `${name} must be >= ${spec.min}, got ${n}` };
    if (spec.max !== undefined && n > spec.max) return { ok: false, error: `${name} must be <= ${spec.max}, got ${n}` };
    return { ok: true, value: n };
  }, spec.default === undefined);
}

export function str(spec: Spec<string> & { pattern?: RegExp; optional?: boolean }): Field<string> {
  return field('string', spec, (raw, name) => (spec.pattern && !spec.pattern.test(raw) ? { ok: false, error: `${name} has an invalid value "${raw}"` } : { ok: true, value: raw }), spec.default === undefined && spec.optional !== true);
}

export function optionalStr(spec: { help?: string } = {}): Field<string | undefined> {
  return field<string | undefined>('string', spec, (raw) => ({ ok: true, value: raw }));
}

export function bool(spec: Spec<boolean>): Field<boolean> {
  return field('bool', spec, (raw, name) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return { ok: true, value: true };
    if (['0', 'false', 'no', 'off'].includes(v)) return { ok: true, value: false };
    return { ok: false, error: `${name} must be true or false, got "${raw}"` };
  }, spec.default === undefined);
}

export function oneOf<const T extends readonly string[]>(values: T, spec: Spec<T[number]>): Field<T[number]> {
  return field('enum', spec, (raw, name) => ((values as readonly string[]).includes(raw) ? { ok: true, value: raw as T[number] } : { ok: false, error: `${name} must be one of ${values.join(', ')}, got "${raw}"` }), spec.default === undefined);
}

export function url(spec: Spec<string> & { protocols: readonly string[]; optional?: boolean }): Field<string> {
  return field('url', spec, (raw, name) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return { ok: false, error: `${name} must be a URL, got "${raw}"` }; // the message names the variable; the URL error adds nothing
    }
    if (!spec.protocols.includes(u.protocol)) return { ok: false, error: `${name} must use ${spec.protocols.join(' or ')}, got "${u.protocol}"` };
    return { ok: true, value: raw };
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
