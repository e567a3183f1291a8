// Close codes, error codes and upgrade rejections in one typed table; the table is the documentation.
export const CLOSE = {
  normal: { code: 1000, reason: 'bye', reconnect: false },
  goingAway: { code: 1001, reason: 'server draining', reconnect: true },
  tooBig: { code: 1009, reason: 'frame too large', reconnect: false },
  internal: { code: 1011, reason: 'internal error', reconnect: true },
  slow: { code: 4008, reason: 'slow consumer', reconnect: true },
  rateLimited: { code: 4029, reason: 'rate limited', reconnect: true },
  /** the JWT the connection was admitted with expired: reconnect with a fresh one */
  tokenExpired: { code: 4401, reason: 'token expired', reconnect: true },
} as const satisfies Record<string, { code: number; reason: string; reconnect: boolean }>;

/**
 * Error frames on an open connection (`{"type":"error","data":{code,message}}`); the connection stays open.
 * 1001–1006 are the evrmore-rpc simulator's codes (reference/evrmore-rpc-websocket-protocol.md §4); 1007+ are ours.
 */
export const ERROR = {
  invalidTopic: { code: 1001, message: (t: string) => `Invalid topic: ${t}` },
  notSubscribed: { code: 1002, message: (t: string) => `Not subscribed to topic: ${t}` },
  invalidAction: { code: 1003, message: (a: string) => `Invalid action: ${a}` },
  invalidJson: { code: 1004, message: () => 'Invalid JSON' },
  other: { code: 1005, message: (e: string) => `Error: ${e}` },
  tooManySubscriptions: { code: 1006, message: (n: number) => `Too many subscriptions (limit ${n})` },
  /** no token left in the connection's inbound token bucket: the command was not executed */
  rateLimited: { code: 1007, message: (perSecond: number) => `Rate limited (${perSecond} messages/s): command ignored` },
  topicTooLong: { code: 1008, message: (n: number) => `Topic too long (limit ${n} characters)` },
  /** the credentials (token claim, or the anonymous policy) do not cover this topic */
  topicNotAllowed: { code: 1009, message: (t: string) => `Topic not allowed: ${t}` },
  invalidSince: { code: 1010, message: (why: string) => `Invalid since: ${why}` },
  /** command messages (`{"command":…}`) need the edge's node RPC (CHAINFAN_RPC_URL), which is not configured */
  commandsUnavailable: { code: 1011, message: () => 'Commands unavailable: this server has no node RPC configured' },
  /** not one of the read-only RPC methods the edge forwards */
  commandNotAllowed: { code: 1012, message: (m: string) => `Command not allowed: ${m}` },
  /** the node answered the call with an error (its code and text), or could not be reached */
  commandFailed: { code: 1013, message: (why: string) => `Command failed: ${why}` },
  /** too many different calls waiting for the node on this edge: retry shortly */
  commandBusy: { code: 1014, message: () => 'Command refused: node busy, retry later' },
} as const;

/**
 * Upgrade refusals: answered with an HTTP status before any WebSocket exists, with
 * `{"type":"error","data":{"code","message"}}` as the body. 401/403 are final for these credentials or this Origin;
 * 429/503 say "retry later or elsewhere".
 */
export const REJECT = {
  authRequired: { status: 401, code: 1101, message: 'authentication required' },
  invalidCredentials: { status: 401, code: 1102, message: 'invalid or expired credentials' },
  originNotAllowed: { status: 403, code: 1103, message: 'origin not allowed' },
  edgeFull: { status: 503, code: 1104, message: 'edge at its connection limit, try another' },
  tooManyFromAddress: { status: 429, code: 1105, message: 'too many connections from this address' },
  tooManyForKey: { status: 429, code: 1106, message: 'too many connections for this API key' },
  authUnavailable: { status: 503, code: 1107, message: 'authentication backend unavailable, retry later' },
  draining: { status: 503, code: 1108, message: 'edge draining, reconnect elsewhere' },
} as const satisfies Record<string, { status: 401 | 403 | 429 | 503; code: number; message: string }>;

export type RejectKind = keyof typeof REJECT;
