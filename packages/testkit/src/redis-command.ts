// A one-shot RESP client for tests that must poke Redis directly (set a lease, inject garbage, inspect keys)
// without importing ioredis, which only packages/bus/src/redis-bus.ts may use.
import { connect } from 'node:net';

export type RespValue = string | number | null | readonly RespValue[];

const MAX_REPLY_BYTES = 16 * 1024 * 1024;

/**
 * Sends one command (after AUTH/SELECT taken from the URL) and resolves with its reply. A Redis error reply
 * rejects with an Error carrying the server's message; so does a connection failure or the deadline.
 */
export function redisCommand(url: string, args: readonly (string | number)[], timeoutMs = 2_000): Promise<RespValue> {
  const u = new URL(url);
  const commands: (readonly (string | number)[])[] = [];
  if (u.password !== '') commands.push(u.username === '' ? ['AUTH', decodeURIComponent(u.password)] : ['AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password)]);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && db !== '0') commands.push(['SELECT', db]);
  commands.push(args);

  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) });
    let buf = Buffer.alloc(0);
    const replies: RespValue[] = [];
    let firstError: Error | undefined;
    const finish = (err: Error | undefined, value?: RespValue): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(value ?? null);
    };
    const timer = setTimeout(() => finish(new Error(`redisCommand ${String(args[0])} timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.byteLength > MAX_REPLY_BYTES) return finish(new Error('redisCommand reply too large'));
      for (;;) {
        const r = parseReply(buf, 0);
        if (r === undefined) return;
        buf = buf.subarray(r.end);
        if (r.error !== undefined) firstError ??= new Error(r.error);
        replies.push(r.value);
        if (replies.length === commands.length) return finish(firstError, r.value);
      }
    });
    socket.write(commands.map(encodeCommand).join(''));
  });
}

function encodeCommand(args: readonly (string | number)[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(String(a))}\r\n${String(a)}\r\n`;
  return out;
}

export interface ParsedReply {
  readonly value: RespValue;
  readonly end: number;
  readonly error?: string;
}

/** One RESP value (a reply, or a command as clients send it) at `at`; undefined = incomplete, wait for more bytes. */
export function parseReply(buf: Buffer, at: number): ParsedReply | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[at] ?? 0);
  const line = buf.toString('utf8', at + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: null, end: next, error: line };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.byteLength < next + len + 2) return undefined;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let pos = next;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, pos);
        if (item === undefined) return undefined;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      return { value: null, end: buf.byteLength, error: `unexpected RESP type byte ${JSON.stringify(type)}` };
  }
}
