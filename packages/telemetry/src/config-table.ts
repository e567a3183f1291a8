// An app's options as rows of its CHAINFAN_* table: a row tagged with an option key is also a typed option, so the
// config type, its defaults and the bounds that programmatic construction must meet all come from that one row.
import { ChainfanError } from '@chainfan/protocol';
import type { CheckedField, EnvTable, EnvValues, Field } from './env-config.js';

/** The group of option rows `option()` puts a row in unless told otherwise. */
export type DefaultGroup = 'options';

/** A table row that is also the option `key` (in option group `group`) of the app's typed config. */
export type OptionField<K extends string, T, G extends string = DefaultGroup, B extends boolean = false> = CheckedField<T> & {
  readonly key: K;
  readonly group: G;
  /** an empty value of the variable means the option is not set (absent) */
  readonly blankAsUnset: B;
};

/**
 * Tags a row as the typed option `key`: same parsing, default, bounds and help. `group` puts it in another typed
 * config than the app's main one (e.g. admission settings); `blankAsUnset` makes an empty string an absent option
 * while the variable itself still parses to ''.
 */
export function option<const K extends string, T, const G extends string = DefaultGroup, const B extends boolean = false>(
  key: K, f: CheckedField<T>, how: { readonly group?: G; readonly blankAsUnset?: B } = {},
): OptionField<K, T, G, B> {
  return { ...f, key, group: (how.group ?? 'options') as G, blankAsUnset: (how.blankAsUnset ?? false) as B };
}

type ValueOf<F> = F extends Field<infer V> ? V : never;
type OptionValue<F> = F extends { readonly blankAsUnset: true } ? Exclude<ValueOf<F>, ''> | undefined : ValueOf<F>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type KeyIn<F, G extends string> = F extends { readonly key: infer K extends string; readonly group: G } ? K : never;

/**
 * The typed config of a table's option group: one property per option row; a row that may be unset is an optional
 * property (an explicit undefined allowed, meaning unset).
 */
export type ConfigOf<T extends EnvTable, G extends string = DefaultGroup> = Simplify<
  { readonly [N in keyof T as undefined extends OptionValue<T[N]> ? never : KeyIn<T[N], G>]: OptionValue<T[N]> } & {
    readonly [N in keyof T as undefined extends OptionValue<T[N]> ? KeyIn<T[N], G> : never]?: OptionValue<T[N]>;
  }
>;

interface OptionRow {
  readonly name: string;
  readonly key: string;
  readonly field: CheckedField<unknown>;
  readonly blankAsUnset: boolean;
}

/** The option rows of one group of a table, in table order. */
export function optionRows(table: EnvTable, group: string = 'options'): OptionRow[] {
  const out: OptionRow[] = [];
  for (const [name, f] of Object.entries(table)) {
    const row = f as Partial<OptionField<string, unknown, string, boolean>>;
    if (typeof row.key === 'string' && row.group === group && f.check !== undefined) {
      out.push({ name, key: row.key, field: f as CheckedField<unknown>, blankAsUnset: row.blankAsUnset === true });
    }
  }
  return out;
}

const unset = (r: OptionRow, v: unknown): boolean => v === undefined || (r.blankAsUnset && v === '');

/** Every option's default, as the table states it (what an unset variable parses to); unset options are absent. */
export function defaultsOf<T extends EnvTable, G extends string = DefaultGroup>(table: T, group?: G): ConfigOf<T, G> {
  const out: Record<string, unknown> = {};
  for (const r of optionRows(table, group)) {
    const p = r.field.parse(undefined, r.name);
    if (!p.ok) throw new Error(`${r.name}: an option row needs a default (${p.error})`); // a table bug, caught by its tests
    if (!unset(r, p.value)) out[r.key] = p.value;
  }
  return Object.freeze(out) as ConfigOf<T, G>;
}

/**
 * Defaults plus `overrides`, each option checked against its row's bounds; unknown keys are refused. Throws one
 * CHAINFAN_CONFIG_INVALID listing every problem, each naming the option and its variable.
 */
export function configOf<T extends EnvTable, G extends string = DefaultGroup>(table: T, what: string, overrides: Partial<ConfigOf<T, G>> = {}, group?: G): ConfigOf<T, G> {
  const rows = optionRows(table, group);
  const known = new Set(rows.map((r) => r.key));
  const problems: string[] = [];
  for (const k of Object.keys(overrides)) if (!known.has(k)) problems.push(`unknown ${what} option "${k}"`);
  const out: Record<string, unknown> = { ...defaultsOf(table, group) };
  for (const r of rows) {
    if (!Object.hasOwn(overrides, r.key)) continue;
    const v = (overrides as Record<string, unknown>)[r.key];
    const problem = r.blankAsUnset && unset(r, v) ? undefined : r.field.check(v, r.key);
    if (problem !== undefined) problems.push(`${problem} (${r.name})`);
    else if (unset(r, v)) delete out[r.key];
    else out[r.key] = v;
  }
  if (problems.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid ${what} config: ${problems.join('; ')}`, { context: { problems } });
  }
  return Object.freeze(out) as ConfigOf<T, G>;
}

/** The typed config from parsed variables (already checked by parseEnv): each option row's value under its key. */
export function configFromEnv<T extends EnvTable, G extends string = DefaultGroup>(table: T, env: EnvValues<T>, group?: G): ConfigOf<T, G> {
  const out: Record<string, unknown> = {};
  for (const r of optionRows(table, group)) {
    const v = (env as Record<string, unknown>)[r.name];
    if (!unset(r, v)) out[r.key] = v;
  }
  return Object.freeze(out) as ConfigOf<T, G>;
}

/** The option keys of `source` that are defined, and nothing else: an options bag's share of a table. */
export function pickOptions<T extends EnvTable, G extends string = DefaultGroup>(table: T, source: object, group?: G): Partial<ConfigOf<T, G>> {
  const out: Record<string, unknown> = {};
  for (const { key } of optionRows(table, group)) {
    const v = Object.hasOwn(source, key) ? (source as Record<string, unknown>)[key] : undefined;
    if (v !== undefined) out[key] = v;
  }
  return out as Partial<ConfigOf<T, G>>;
}
