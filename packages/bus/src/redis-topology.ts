// Where Redis is and how to reach it: one server, a Sentinel-watched primary, or a Cluster — each with the same
// credentials and TLS settings. Pure data; redis-clients.ts turns it into ioredis connections.

export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface RedisSecurity {
  /** ACL user (Redis 6+); undefined = the default user */
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** TLS on every connection (rediss://); `ca` is a PEM bundle trusted in addition to the system roots */
  readonly tls?: { readonly ca?: string | undefined } | undefined;
}

export type RedisTopology =
  | ({ readonly kind: 'single'; readonly url: string } & RedisSecurity)
  | ({
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisEndpoint[];
      /** the monitored primary's name (`sentinel monitor <name> …`) */
      readonly name: string;
      /** AUTH for the sentinels themselves, when they require it */
      readonly sentinelPassword?: string | undefined;
    } & RedisSecurity)
  | ({ readonly kind: 'cluster'; readonly nodes: readonly RedisEndpoint[] } & RedisSecurity);

/** The common case: one Redis by URL (credentials and rediss:// taken from the URL). */
export function singleRedis(url: string): RedisTopology {
  return { kind: 'single', url };
}

/** The URL with its password replaced by `***`, for logs and errors. Unparseable input is masked whole. */
export function maskRedisUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '<unparseable redis url>';
  }
  if (u.password !== '') u.password = '***';
  return u.toString();
}

/** One line for logs: the topology with every secret masked. */
export function describeRedisTopology(t: RedisTopology): string {
  const tls = t.tls !== undefined ? ' tls' : '';
  const user = t.username !== undefined ? ` user=${t.username}` : '';
  const pass = t.password !== undefined ? ' password=***' : '';
  switch (t.kind) {
    case 'single':
      return `single ${maskRedisUrl(t.url)}${user}${pass}${tls}`;
    case 'sentinel':
      return `sentinel ${t.name} via ${t.sentinels.map(endpointText).join(',')}${user}${pass}${tls}`;
    case 'cluster':
      return `cluster via ${t.nodes.map(endpointText).join(',')}${user}${pass}${tls}`;
  }
}

export function endpointText(e: RedisEndpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

/** `host:port[,host:port…]` (IPv6 as `[::1]:port`) → endpoints, or an error text naming the bad entry. */
export function parseEndpoints(raw: string): { ok: true; value: RedisEndpoint[] } | { ok: false; error: string } {
  const out: RedisEndpoint[] = [];
  for (const part of raw.split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(part);
    const port = m === null ? NaN : Number(m[3]);
    if (m === null || !(port >= 1 && port <= 65_535)) return { ok: false, error: `"${part}" is not host:port` };
    out.push({ host: m[1] ?? m[2] ?? '', port });
  }
  if (out.length === 0) return { ok: false, error: 'lists no host:port' };
  return { ok: true, value: out };
}
