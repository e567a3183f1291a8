// A node's JSON-RPC URL split into where to POST and its Basic credentials, so the credentials never travel in (or get
// logged with) the URL. Explicit user/password win over the URL's userinfo. Browser-safe: no Buffer.

export interface RpcEndpoint {
  /** the URL without userinfo */
  readonly endpoint: string;
  /** `Basic …`, or undefined when neither a user nor a password is known */
  readonly authorization: string | undefined;
}

export function rpcEndpoint(url: string, user?: string, password?: string): RpcEndpoint {
  const u = new URL(url);
  const name = user ?? decodeURIComponent(u.username);
  const secret = password ?? decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  if (name === '' && secret === '') return { endpoint: u.toString(), authorization: undefined };
  let binary = '';
  for (const b of new TextEncoder().encode(`${name}:${secret}`)) binary += String.fromCharCode(b);
  return { endpoint: u.toString(), authorization: `Basic ${btoa(binary)}` };
}
