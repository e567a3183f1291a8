// A port that cannot be bound is a configuration problem: the message names the variable (and flag) that chose the
// port, like any other bad setting, and the process exits 78 instead of printing a stack trace.
import type { EnvTable } from '@chainfan/telemetry';
import { envToFlag } from './argv.js';

interface ListenError {
  readonly code: string;
  readonly port: number;
  readonly address: string | undefined;
}

const LISTEN_CODES = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ELISTEN']);

function asListenError(err: unknown): ListenError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, port, address } = err as { code?: unknown; port?: unknown; address?: unknown };
  if (typeof code !== 'string' || !LISTEN_CODES.has(code) || typeof port !== 'number') return undefined;
  return { code, port, address: typeof address === 'string' ? address : undefined };
}

/** The *_PORT variables of `table` whose value (set or default) is `port`. */
function variablesFor(port: number, table: EnvTable, env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(table)
    .filter(([name]) => name.endsWith('_PORT'))
    .filter(([name, field]) => {
      const r = field.parse(env[name], name);
      return r.ok && r.value === port;
    })
    .map(([name]) => name);
}

/** The config-style message for a failed bind, or undefined when `err` is something else. */
export function describeListenFailure(err: unknown, table: EnvTable, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const e = asListenError(err);
  if (e === undefined) return undefined;
  const where = `${e.address ?? '0.0.0.0'}:${e.port}`;
  const why =
    e.code === 'EADDRINUSE' ? `port ${e.port} is already in use (${where}): another chainfan, or another program, listens there`
    : e.code === 'EACCES' ? `port ${e.port} needs privileges this process does not have (${where})`
    : e.code === 'EADDRNOTAVAIL' ? `address ${e.address ?? '?'} is not an address of this machine (${where})`
    : `cannot listen on ${where} (in use, or not permitted)`;
  const names = variablesFor(e.port, table, env);
  const fix = names.length > 0 ? `choose another port with ${names.map((n) => `${n} (${envToFlag(n)})`).join(' or ')}` : 'choose another port';
  return `invalid configuration:\n  - ${names.length > 0 ? `${names.join(', ')}: ` : ''}${why}; ${fix}`;
}
