// An app's options as rows of its CHAINFAN_* table: a row tagged with an option key is also a typed option, so the
// config type, its defaults and the bounds that programmatic construction must meet all come from that one row.
import { ChainfanError } from '@chainfan/protocol';
import type { CheckedField, EnvTable, EnvValues, Field } from './env-config.js';

/** A table row that is also the option `key` of the app's typed config. */
export type OptionField<K extends string, T> = CheckedField<T> & { readonly key: K };

/** Tags a row as the typed option `key`: same parsing, default, bounds and help. */
export function option<const K extends string, T>(key: K, f: CheckedField<T>): OptionField<K, T> {
  return { ...f, key };
}

/** A string row whose empty value means "not set" (an absent option), e.g. a directory or URL that is optional. */
export function blankAsUnset(f: CheckedField<string>): CheckedField<string | undefined> {
  return {
    ...f,
    parse: (raw, name) => {
      const r = f.parse(raw, name);
      return r.ok && r.value === '' ? { ok: true, value: undefined } : r;
    },
    check: (value, label) => (value === undefined ? undefined : f.check(value, label)),
  };
}

type ValueOf<F> = F extends Field<infer V> ? V : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The typed config of a table: one property per option row; a row that may be unset is an optional property. */
export type ConfigOf<T extends EnvTable> = Simplify<
  { readonly [N in keyof T as T[N] extends { readonly key: infer K extends string } ? (undefined extends ValueOf<T[N]> ? never : K) : never]: ValueOf<T[N]> } & {
    readonly [N in keyof T as T[N] extends { readonly key: infer K extends string } ? (undefined extends ValueOf<T[N]> ? K : never) : never]?: Exclude<ValueOf<T[N]>, undefined>;
  }
>;

/** The option rows of a table: [variable name, option key, row]. */
export function optionRows(table: EnvTable): [name: string, key: string, row: CheckedField<unknown>][] {
  const out: [string, string, CheckedField<unknown>][] = [];
  for (const [name, f] of Object.entries(table)) {
    const key = (f as { key?: unknown }).key;
    if (typeof key === 'string' && f.check !== undefined) out.push([name, key, f as CheckedField<unknown>]);
  }
  return out;
}

/** Every option's default, as the table states it (what an unset variable parses to); unset options are absent. */
export function defaultsOf<T extends EnvTable>(table: T): ConfigOf<T> {
  const out: Record<string, unknown> = {};
  for (const [name, key, f] of optionRows(table)) {
    const r = f.parse(undefined, name);
    if (!r.ok) throw new Error(`${name}: an option row needs a default (${r.error})`); // a table bug, caught by its tests
    if (r.value !== undefined) out[key] = r.value;
  }
  return Object.freeze(out) as ConfigOf<T>;
}

/**
 * Defaults plus `overrides`, each option checked against its row's bounds; unknown keys are refused. Throws one
 * CHAINFAN_CONFIG_INVALID listing every problem, each naming the option and its variable.
 */
export function configOf<T extends EnvTable>(table: T, what: string, overrides: Partial<ConfigOf<T>> = {}): ConfigOf<T> {
  const rows = optionRows(table);
  const known = new Set(rows.map(([, key]) => key));
  const problems: string[] = [];
  for (const k of Object.keys(overrides)) if (!known.has(k)) problems.push(`unknown ${what} option "${k}"`);
  const out: Record<string, unknown> = { ...defaultsOf(table) };
  for (const [name, key, f] of rows) {
    if (!Object.hasOwn(overrides, key)) continue;
    const v = (overrides as Record<string, unknown>)[key];
    const problem = f.check(v, key);
    if (problem !== undefined) problems.push(`${problem} (${name})`);
    else if (v === undefined) delete out[key];
    else out[key] = v;
  }
  if (problems.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid ${what} config: ${problems.join('; ')}`, { context: { problems } });
  }
  return Object.freeze(out) as ConfigOf<T>;
}

/** The typed config from parsed variables (already checked by parseEnv): each option row's value under its key. */
export function configFromEnv<T extends EnvTable>(table: T, env: EnvValues<T>): ConfigOf<T> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of optionRows(table)) {
    const v = (env as Record<string, unknown>)[name];
    if (v !== undefined) out[key] = v;
  }
  return Object.freeze(out) as ConfigOf<T>;
}

/** The option keys of `source` that are defined, and nothing else: an options bag's share of a table. */
export function pickOptions<T extends EnvTable>(table: T, source: object): Partial<ConfigOf<T>> {
  const out: Record<string, unknown> = {};
  for (const [, key] of optionRows(table)) {
    const v = Object.hasOwn(source, key) ? (source as Record<string, unknown>)[key] : undefined;
    if (v !== undefined) out[key] = v;
  }
  return out as Partial<ConfigOf<T>>;
}
