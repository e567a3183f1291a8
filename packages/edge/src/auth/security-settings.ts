// The edge's security settings fail closed: each row's parser gives an empty value the meaning its help text
// states ("locked" where that is a meaning, otherwise a start-up error naming the variable), refuses malformed
// entries instead of ignoring them, and `securityProblems` refuses combinations that contradict each other.
import { parseTopic } from '@chainfan/protocol';
import type { CheckedField, Field } from '@chainfan/telemetry';

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * The row's own parser applied to a typed list (an option handed to a constructor): the entries must be strings
 * that, written as the variable would be, parse to the same list. An empty list is the row's "none" meaning.
 */
function withListCheck(f: Field<readonly string[]>): CheckedField<readonly string[]> {
  return {
    ...f,
    check: (value, label) => {
      if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) return `${label} must be a list of strings`;
      if (value.length === 0) return undefined;
      const r = f.parse(value.join(','), label);
      if (!r.ok) return r.error;
      return r.value.length === value.length && r.value.every((v, i) => v === value[i]) ? undefined : `${label} entries must not carry spaces or commas`;
    },
  };
}

/** Splits a comma list; an empty entry (`a,,b`, a trailing comma) is an error, not something to skip. */
function entries(raw: string, name: string): Parsed<string[]> {
  const parts = raw.split(',').map((x) => x.trim());
  const empty = parts.findIndex((p) => p === '');
  if (empty >= 0) return { ok: false, error: `${name} has an empty entry (position ${empty + 1}) in "${raw}"` };
  return { ok: true, value: parts };
}

const PREFIX_RE = /^[A-Za-z0-9:_.-]+$/;

/** `*`, an exact topic (`blocks`, `address:E…`), or a prefix ending in `*` (`address:*`, `asset:MY*`). */
function topicPatternError(p: string): string | undefined {
  if (p === '*') return undefined;
  if (p.endsWith('*')) return PREFIX_RE.test(p.slice(0, -1)) ? undefined : `"${p}" is not a topic prefix`;
  const alias: Readonly<Record<string, string>> = { block: 'blocks', transaction: 'transactions', asset: 'assets', reorg: 'reorgs' };
  const t = parseTopic(Object.hasOwn(alias, p) ? alias[p]! : p);
  return t.ok ? undefined : `"${p}" is not a topic`;
}

export const ANONYMOUS_TOPICS_HELP =
  'topics open without credentials: * (the default, when unset) | comma list of patterns (blocks,address:*,asset:MY*) | empty or none: no topic, credentials required (401)';

/** CHAINFAN_EDGE_ANONYMOUS_TOPICS: unset → every topic; set but empty, or `none` → none (locked). */
export function anonymousTopicsField(): CheckedField<readonly string[]> {
  return withListCheck({
    kind: 'topics',
    help: ANONYMOUS_TOPICS_HELP,
    describeDefault: '*',
    parse: (raw, name) => {
      if (raw === undefined) return { ok: true, value: ['*'] };
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed === 'none') return { ok: true, value: [] };
      const list = entries(raw, name);
      if (!list.ok) return list;
      if (list.value.includes('none')) return { ok: false, error: `${name}: "none" cannot be combined with topics in "${raw}"` };
      for (const p of list.value) {
        const why = topicPatternError(p);
        if (why !== undefined) return { ok: false, error: `${name}: ${why}` };
      }
      return { ok: true, value: list.value };
    },
  });
}

export const ALLOWED_ORIGINS_HELP =
  'Origins browsers may connect and POST from: comma list (https://app.example.com, https://*.example.com) or * for any; unset: any; set but empty: refused at start-up';

/** CHAINFAN_EDGE_ALLOWED_ORIGINS: unset → any ([]); `*` → any; set but empty or malformed → start-up error. */
export function allowedOriginsField(): CheckedField<readonly string[]> {
  return withListCheck({
    kind: 'origins',
    help: ALLOWED_ORIGINS_HELP,
    describeDefault: '(any)',
    parse: (raw, name) => {
      if (raw === undefined) return { ok: true, value: [] };
      if (raw.trim() === '') return { ok: false, error: `${name} is set but empty: list the allowed origins, or * for any, or leave it unset` };
      const list = entries(raw, name);
      if (!list.ok) return list;
      if (list.value.includes('*') && list.value.length > 1) return { ok: false, error: `${name}: * (any origin) contradicts the other entries in "${raw}"` };
      for (const o of list.value) {
        if (o === '*') continue;
        const why = originError(o);
        if (why !== undefined) return { ok: false, error: `${name}: ${why}` };
      }
      return { ok: true, value: list.value };
    },
  });
}

/** An origin is `scheme://host[:port]` exactly as browsers send it; a wildcard only as the leftmost label. */
function originError(o: string): string | undefined {
  const concrete = o.replace('://*.', '://wildcard.');
  if (o.includes('*') && concrete.includes('*')) return `"${o}" may only use * as the leftmost label (https://*.example.com)`;
  let u: URL;
  try {
    u = new URL(concrete);
  } catch {
    return `"${o}" is not an origin (scheme://host[:port])`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `"${o}" must be an http(s) origin`;
  if (u.origin !== concrete.toLowerCase().replace(/\/$/, '') && u.origin !== concrete.replace(/\/$/, '')) return `"${o}" is not an origin (no path, query or credentials)`;
  return undefined;
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** printable ASCII without spaces or commas: what fits in a query string, a header and a comma list */
const KEY_RE = /^[\x21-\x2b\x2d-\x7e]{1,512}$/;

export const API_KEYS_HELP = 'comma list of API keys (printable, no spaces) or sha256:<64 hex>; a malformed entry stops start-up';

/** CHAINFAN_EDGE_API_KEYS / CHAINFAN_EDGE_ADMIN_API_KEYS: unset or empty → none; a malformed entry → start-up error. */
export function apiKeysField(help: string = API_KEYS_HELP): CheckedField<readonly string[]> {
  return withListCheck({
    kind: 'keys',
    help,
    describeDefault: '(none)',
    parse: (raw, name) => {
      if (raw === undefined || raw.trim() === '') return { ok: true, value: [] };
      const list = entries(raw, name);
      if (!list.ok) return list;
      for (const k of list.value) {
        if (k.startsWith('sha256:') ? !SHA256_HEX.test(k.slice('sha256:'.length)) : !KEY_RE.test(k)) {
          // never echo the entry: it may be a real key
          return { ok: false, error: `${name}: entry ${list.value.indexOf(k) + 1} is neither a key (printable, no spaces, ≤ 512) nor sha256:<64 hex>` };
        }
      }
      return { ok: true, value: list.value };
    },
  });
}

/** RFC 7518 §3.2: an HS256 key has at least 256 bits. */
export const MIN_HS256_SECRET_BYTES = 32;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** The settings `securityProblems` looks at together. */
export interface SecuritySettings {
  readonly CHAINFAN_EDGE_ANONYMOUS_TOPICS: readonly string[];
  readonly CHAINFAN_EDGE_API_KEYS: readonly string[];
  readonly CHAINFAN_EDGE_ADMIN_API_KEYS: readonly string[];
  readonly CHAINFAN_EDGE_API_KEYS_REDIS_SET: string;
  readonly CHAINFAN_EDGE_JWT_HS256_SECRET: string;
  readonly CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE: string;
  readonly CHAINFAN_EDGE_JWKS_URL: string | undefined;
  readonly CHAINFAN_EDGE_JWT_ISSUER: string;
  readonly CHAINFAN_EDGE_JWT_AUDIENCE: string;
  readonly CHAINFAN_EDGE_JWT_ADMIN_CLAIM: string;
  readonly CHAINFAN_BUS: string;
}

/** Contradictory or weak combinations, each naming its variable; [] when the settings hold together. */
export function securityProblems(s: SecuritySettings): string[] {
  const problems: string[] = [];
  const jwt = s.CHAINFAN_EDGE_JWT_HS256_SECRET !== '' || s.CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE !== '' || (s.CHAINFAN_EDGE_JWKS_URL ?? '') !== '';
  const anyCredential = jwt || s.CHAINFAN_EDGE_API_KEYS.length > 0 || s.CHAINFAN_EDGE_ADMIN_API_KEYS.length > 0 || s.CHAINFAN_EDGE_API_KEYS_REDIS_SET !== '';
  if (s.CHAINFAN_EDGE_ANONYMOUS_TOPICS.length === 0 && !anyCredential) {
    problems.push('CHAINFAN_EDGE_ANONYMOUS_TOPICS makes credentials mandatory, but no credential kind is configured (API keys, a key set, a JWT key): nobody could connect');
  }
  const secret = s.CHAINFAN_EDGE_JWT_HS256_SECRET;
  if (secret !== '' && Buffer.byteLength(secret, 'utf8') < MIN_HS256_SECRET_BYTES) {
    problems.push(`CHAINFAN_EDGE_JWT_HS256_SECRET is shorter than ${MIN_HS256_SECRET_BYTES} bytes (HS256 needs a 256-bit key)`);
  }
  if (secret !== '' && secret.trim() !== secret) problems.push('CHAINFAN_EDGE_JWT_HS256_SECRET has leading or trailing whitespace (a quoting mistake?)');
  const jwks = s.CHAINFAN_EDGE_JWKS_URL ?? '';
  if (jwks !== '') {
    const u = new URL(jwks);
    if (u.protocol !== 'https:' && !LOOPBACK_HOSTS.has(u.hostname)) problems.push('CHAINFAN_EDGE_JWKS_URL must use https (plain http only to a loopback issuer): keys fetched in clear can be swapped');
  }
  for (const name of ['CHAINFAN_EDGE_JWT_ISSUER', 'CHAINFAN_EDGE_JWT_AUDIENCE', 'CHAINFAN_EDGE_JWT_ADMIN_CLAIM'] as const) {
    if (s[name] !== '' && !jwt) problems.push(`${name} is set but no JWT key is configured (CHAINFAN_EDGE_JWT_HS256_SECRET, CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE or CHAINFAN_EDGE_JWKS_URL)`);
  }
  if (s.CHAINFAN_EDGE_API_KEYS_REDIS_SET !== '' && s.CHAINFAN_BUS !== 'redis') {
    problems.push('CHAINFAN_EDGE_API_KEYS_REDIS_SET needs the Redis bus (CHAINFAN_BUS=redis)');
  }
  return problems;
}
