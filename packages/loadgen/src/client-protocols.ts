// What a loadgen client says after the upgrade, per target: the evrmore-rpc commands (chainfan and the two plain
// peers speak them) or Socket.IO v4 over Engine.IO v4. Data frames never reach these: message-scan.ts counts them.

export type ControlOutcome = 'subscribed' | 'refused' | 'other';

export interface ClientProtocol {
  readonly name: 'evrmore-rpc' | 'socket.io';
  /** request target (path and query) of the upgrade */
  readonly path: string;
  /** data frames may hold several newline-separated messages (chainfan's opt-in coalescing) */
  readonly batched: boolean;
  /** Frames to send as soon as the socket is open. */
  onOpen(send: (text: string) => void): void;
  /** A text frame without a bench stamp: answers it when the protocol says so, and says whether it ends the subscribe. */
  onControl(text: string, send: (text: string) => void): ControlOutcome;
}

/** A bus position (chainfan's `since`): the subscriber resumes after it. */
export interface ResumePosition {
  readonly epoch: string;
  readonly seq: number;
}

export interface EvrmoreRpcProtocolOptions {
  readonly topic: string;
  /** ask the chainfan edge for batched frames (`?batch=1`) */
  readonly batched?: boolean;
  /** resume after this position: the edge replays what came since, then acks (chainfan's recovery) */
  readonly since?: ResumePosition;
}

export function evrmoreRpcProtocol(o: EvrmoreRpcProtocolOptions): ClientProtocol {
  const batched = o.batched ?? false;
  const subscribe = JSON.stringify({ action: 'subscribe', topic: o.topic, ...(o.since === undefined ? {} : { since: o.since }) });
  return {
    name: 'evrmore-rpc',
    path: batched ? '/?batch=1' : '/',
    batched,
    onOpen: (send) => send(subscribe),
    onControl: (text) => {
      if (text.startsWith('{"type":"subscription"') && text.includes('"status":"success"')) return 'subscribed';
      if (text.startsWith('{"type":"error"')) return 'refused';
      return 'other';
    },
  };
}

/**
 * Socket.IO v4 as socket.io-client speaks it over a bare WebSocket: Engine.IO open (`0{…}`) → namespace connect
 * (`40`) → connected (`40{…}`) → `subscribe` event with ack id 0 (`420[…]`) → ack (`430[…]`); pings (`2`) get pongs (`3`).
 */
export function socketIoProtocol(o: { readonly topic: string }): ClientProtocol {
  const subscribe = `420${JSON.stringify(['subscribe', o.topic])}`;
  return {
    name: 'socket.io',
    path: '/socket.io/?EIO=4&transport=websocket',
    batched: false,
    onOpen: () => undefined, // the server speaks first
    onControl: (text, send) => {
      if (text === '2') {
        send('3');
        return 'other';
      }
      if (text.startsWith('0{')) {
        send('40');
        return 'other';
      }
      if (text.startsWith('40')) {
        send(subscribe);
        return 'other';
      }
      if (text.startsWith('430')) return 'subscribed';
      if (text.startsWith('44')) return 'refused';
      return 'other';
    },
  };
}

export type ProtocolSpec =
  | { readonly kind: 'evrmore-rpc'; readonly topic: string; readonly batched?: boolean; readonly since?: ResumePosition }
  | { readonly kind: 'socket.io'; readonly topic: string };

/** Specs travel over IPC to worker processes; the protocol objects are built there. */
export function protocolFor(spec: ProtocolSpec): ClientProtocol {
  switch (spec.kind) {
    case 'evrmore-rpc':
      return evrmoreRpcProtocol({
        topic: spec.topic,
        ...(spec.batched === undefined ? {} : { batched: spec.batched }),
        ...(spec.since === undefined ? {} : { since: spec.since }),
      });
    case 'socket.io':
      return socketIoProtocol({ topic: spec.topic });
  }
}
