// What every bench peer server offers the bench: where it listens and how to stop it. Peers are small, honest
// versions of what a developer would write instead of running chainfan; they speak the evrmore-rpc subscribe
// command (or Socket.IO) and forward the bus channel `txs` to subscribers of `transactions`.

export interface PeerServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The chainfan bus's pub/sub channel for transactions (RedisBus default prefix `cf:`). */
/** the bus's sharded pub/sub channel of `txs` (SSUBSCRIBE, message event 'smessage') */
export const TXS_PUBSUB_CHANNEL = '{cf:txs}';

/** The body of a bus wire message (`<header JSON>\n<body JSON>`), the way a peer without chainfan's codec would cut it. */
export function wireBody(wire: string): string {
  return wire.slice(wire.indexOf('\n') + 1);
}

export const ackFrame = (topic: string): string =>
  JSON.stringify({ type: 'subscription', data: { status: 'success', topic, action: 'subscribe' } });

export const errorFrame = (message: string): string => JSON.stringify({ type: 'error', data: { code: 1003, message } });

/** The subscribe command peers accept: `{"action":"subscribe","topic":"transactions"}`; undefined for anything else. */
export function subscribeTopic(text: string): string | undefined {
  try {
    const cmd = JSON.parse(text) as { action?: unknown; topic?: unknown };
    return cmd.action === 'subscribe' && typeof cmd.topic === 'string' ? cmd.topic : undefined;
  } catch {
    return undefined; // not JSON: answered with an error frame by the caller
  }
}
