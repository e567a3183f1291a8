// Close codes and error codes in one typed table; the table is the documentation (STYLE.md rule 8).
export const CLOSE = {
  normal: { code: 1000, reason: 'bye', reconnect: false },
  goingAway: { code: 1001, reason: 'server draining', reconnect: true },
  tooBig: { code: 1009, reason: 'frame too large', reconnect: false },
  internal: { code: 1011, reason: 'internal error', reconnect: true },
  slow: { code: 4008, reason: 'slow consumer', reconnect: true },
  rateLimited: { code: 4029, reason: 'rate limited', reconnect: true },
} as const satisfies Record<string, { code: number; reason: string; reconnect: boolean }>;

/** evrmore-rpc simulator error codes (reference/evrmore-rpc-websocket-protocol.md §4), reused by the native protocol. */
export const ERROR = {
  invalidTopic: { code: 1001, message: (t: string) => `Invalid topic: ${t}` },
  notSubscribed: { code: 1002, message: (t: string) => `Not subscribed to topic: ${t}` },
  invalidAction: { code: 1003, message: (a: string) => `Invalid action: ${a}` },
  invalidJson: { code: 1004, message: () => 'Invalid JSON' },
  other: { code: 1005, message: (e: string) => `Error: ${e}` },
  tooManySubscriptions: { code: 1006, message: (n: number) => `Too many subscriptions (limit ${n})` },
} as const;
