// The slice of the WebSocket API the client uses; the browser's global WebSocket and `ws` both satisfy it.

/** WHATWG readyState value for an open socket (the same in browsers and `ws`). */
export const WS_OPEN = 1;
/** WHATWG readyState before the handshake completed */
export const WS_CONNECTING = 0;

export interface WebSocketLike {
  readonly readyState: number;
  /** set to 'arraybuffer' so binary frames never arrive as a Blob, which cannot be decoded synchronously */
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: unknown) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;
