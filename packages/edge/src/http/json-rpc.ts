// JSON-RPC 2.0 over HTTP, as ZION answers it: `{"jsonrpc":"2.0","result":…,"error":null,"id":…}` (ZION's documented
// responses carry `"error": null` beside the result, which lenient JSON-RPC clients accept). Total parsing of bodies,
// through the same bounded parser as WebSocket frames.
import { parseJsonBounded } from '@chainfan/protocol';

export const JSON_RPC = {
  parseError: { code: -32700, message: 'Parse error' },
  invalidRequest: { code: -32600, message: 'Invalid Request' },
  methodNotFound: { code: -32601, message: 'Method not found' },
  invalidParams: { code: -32602, message: 'Invalid params' },
  internal: { code: -32603, message: 'Internal error' },
  unauthorized: { code: -32001, message: 'Authentication required' },
  forbidden: { code: -32003, message: 'Admin only' },
} as const;

/** A member of a request's named params: own properties only. */
export function member(params: RpcCall['params'], name: string): unknown {
  if (Array.isArray(params)) return undefined;
  return Object.hasOwn(params, name) ? (params as Readonly<Record<string, unknown>>)[name] : undefined;
}

/** Calls per batch request; more is refused as a whole. */
export const MAX_BATCH = 20;

export type RpcId = string | number | null;

export interface RpcCall {
  readonly method: string;
  /** positional (array) or named (object); absent: [] */
  readonly params: readonly unknown[] | Readonly<Record<string, unknown>>;
  /** undefined: a notification (no response) */
  readonly id: RpcId | undefined;
}

export type ParsedBody =
  | { readonly ok: true; readonly batch: boolean; readonly calls: readonly (RpcCall | { readonly invalid: true; readonly id: RpcId })[] }
  /** `status`: the HTTP status of the answer (400 for a body that is not JSON-RPC at all) */
  | { readonly ok: false; readonly status: 400; readonly error: { code: number; message: string } };

function call(v: unknown): RpcCall | { readonly invalid: true; readonly id: RpcId } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { invalid: true, id: null };
  const o = v as Record<string, unknown>;
  // own properties only: `__proto__`, `constructor` and other inherited names never stand in for a member
  const idRaw = Object.hasOwn(o, 'id') ? o['id'] : undefined;
  const id: RpcId | undefined = idRaw === undefined ? undefined : typeof idRaw === 'string' || typeof idRaw === 'number' || idRaw === null ? idRaw : null;
  const method = Object.hasOwn(o, 'method') ? o['method'] : undefined;
  const params = Object.hasOwn(o, 'params') ? o['params'] : [];
  // ZION's own examples carry "jsonrpc":"2.0"; a call without it is still understood
  if (typeof method !== 'string' || method.length > 64 || (typeof params !== 'object' || params === null)) return { invalid: true, id: id ?? null };
  return { method, params: params as RpcCall['params'], id };
}

/** Total: never throws. The caller has already bounded the body's size; depth is bounded here. */
export function parseBody(body: Uint8Array): ParsedBody {
  const parsed = parseJsonBounded(body, { maxBytes: body.byteLength });
  if (!parsed.ok) {
    const error = parsed.error === 'too_deep' ? { ...JSON_RPC.parseError, message: 'Parse error: nested too deeply' } : JSON_RPC.parseError;
    return { ok: false, status: 400, error };
  }
  const v = parsed.value;
  if (Array.isArray(v)) {
    if (v.length === 0 || v.length > MAX_BATCH) return { ok: false, status: 400, error: JSON_RPC.invalidRequest };
    return { ok: true, batch: true, calls: v.map(call) };
  }
  return { ok: true, batch: false, calls: [call(v)] };
}

export function resultResponse(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', result, error: null, id });
}

export function errorResponse(id: RpcId, error: { code: number; message: string }, data?: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', result: null, error: data === undefined ? error : { ...error, data }, id });
}
