// The prom-client registry each app scrapes: our metrics carry `chainfan_` in their names, Node's defaults keep theirs.
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry };

export interface RegistryOptions {
  /** Node process metrics (`process_*`, `nodejs_*`); off in unit tests that count series */
  readonly defaultMetrics?: boolean;
}

/**
 * A fresh registry, never prom-client's global one, so two apps (or two tests) in one process never collide.
 * Default metrics keep their standard names because the stock Node dashboards query them by those names.
 */
export function createRegistry(opts: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
