// Picks a connection's dialect at upgrade: `?dialect=<name>`, else the first path segment (a dialect's name or a
// configured alias such as `/ws` → rustorium), else the default. Fixed for the connection's life.
import type { Dialect } from '@chainfan/protocol';
import type { UpgradeRequest } from './transport/ws-transport.js';

export class DialectSelector {
  readonly #byName: ReadonlyMap<string, Dialect>;
  readonly #paths: ReadonlyMap<string, Dialect>;
  readonly #default: Dialect;

  /** `dialects[0]` is the default, so evrmore-rpc clients (which connect to any path) need nothing special. */
  constructor(dialects: readonly [Dialect, ...Dialect[]], paths: ReadonlyMap<string, string> = new Map()) {
    this.#byName = new Map(dialects.map((d) => [d.name, d]));
    this.#default = dialects[0];
    const aliases = new Map<string, Dialect>();
    for (const [segment, name] of paths) {
      const d = this.#byName.get(name);
      if (d !== undefined) aliases.set(segment, d);
    }
    this.#paths = aliases;
  }

  get dialects(): readonly Dialect[] {
    return [...this.#byName.values()];
  }

  byName(name: string): Dialect | undefined {
    return this.#byName.get(name);
  }

  /** Whether the path's first segment names a dialect (its name or an alias), i.e. it is nothing but a WebSocket path. */
  namesDialect(url: string): boolean {
    const segment = url.split('/', 2)[1] ?? '';
    return this.#byName.has(segment) || this.#paths.has(segment);
  }

  select(req: Pick<UpgradeRequest, 'url' | 'query'>): Dialect {
    const fromQuery = req.query === '' || !req.query.includes('dialect') ? undefined : this.#byName.get(new URLSearchParams(req.query).get('dialect') ?? '');
    if (fromQuery !== undefined) return fromQuery;
    const segment = req.url.split('/', 2)[1] ?? '';
    return this.#byName.get(segment) ?? this.#paths.get(segment) ?? this.#default;
  }
}

/** One-off selection (tests, tools). */
export function selectDialect(req: Pick<UpgradeRequest, 'url' | 'query'>, dialects: readonly [Dialect, ...Dialect[]]): Dialect {
  return new DialectSelector(dialects).select(req);
}
