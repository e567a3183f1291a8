// A URL fit for a log line: the password (and a bare token in the username) replaced by `***`, so operators see which
// server a process talks to without the log becoming a secret. Browser-safe.

export function maskUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(unparseable URL)'; // never echo a string we cannot take apart: it may be all secret
  }
  if (u.password !== '') u.password = '***';
  else if (u.username !== '' && u.protocol.startsWith('redis')) u.username = '***'; // redis://token@host: the token is the password
  return u.toString();
}

/**
 * The innermost message of an error chain (`fetch failed` → `connect ECONNREFUSED 127.0.0.1:8819`), one line, no
 * stack: what an operator needs to tell "nothing listens there" from "wrong host" or "timed out".
 */
export function rootCause(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 8; depth++) {
    if (e instanceof AggregateError && e.errors.length > 0) e = e.errors[0];
    else if (e instanceof Error && e.cause !== undefined) e = e.cause;
    else break;
  }
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const msg = e.message !== '' ? e.message : e.name;
    return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
  }
  return String(e);
}
