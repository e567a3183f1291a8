// Picks a connection's dialect at upgrade: `?dialect=<name>`, else a first path segment naming one, else the default.
import type { Dialect } from '@chainfan/protocol';
import type { UpgradeRequest } from './transport/ws-transport.js';

/** `dialects[0]` is the default, so evrmore-rpc clients (which connect to any path) need nothing special. */
export function selectDialect(req: Pick<UpgradeRequest, 'url' | 'query'>, dialects: readonly [Dialect, ...Dialect[]]): Dialect {
  const byName = (name: string | null | undefined): Dialect | undefined =>
    name === null || name === undefined || name === '' ? undefined : dialects.find((d) => d.name === name);
  const fromQuery = req.query === '' ? undefined : byName(new URLSearchParams(req.query).get('dialect'));
  return fromQuery ?? byName(req.url.split('/', 2)[1]) ?? dialects[0];
}
