// Injected timers (STYLE rule 13) so reconnect delays and request deadlines can be observed and driven by tests.

/** `globalThis` itself satisfies this; handles are opaque to the client. */
export interface ClientClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: ClientClock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};
