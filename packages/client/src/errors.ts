// The SDK's one error class; callers branch on `code` (and `serverCode` for server answers), never on message text.
export type ChainfanClientErrorCode =
  /** the server answered a request with `{"type":"error"}`; its number is in `serverCode` */
  | 'CHAINFAN_CLIENT_SERVER_ERROR'
  /** close() was called before the request or connect() completed, or the client is already closed */
  | 'CHAINFAN_CLIENT_CLOSED'
  /** no answer within requestTimeoutMs */
  | 'CHAINFAN_CLIENT_TIMEOUT'
  /** the topic was unsubscribed while its subscribe was still waiting to be (re)sent */
  | 'CHAINFAN_CLIENT_CANCELLED'
  /** a frame was skipped: not JSON, no `type`, or bad data (detail in `context.frameError`) */
  | 'CHAINFAN_CLIENT_BAD_FRAME'
  /** the WebSocket reported an error; a close (and a reconnect) follows */
  | 'CHAINFAN_CLIENT_SOCKET'
  /** no WebSocket implementation: pass one in options, or import '@chainfan/client/node' */
  | 'CHAINFAN_CLIENT_NO_WEBSOCKET';

export class ChainfanClientError extends Error {
  override readonly name = 'ChainfanClientError';
  readonly code: ChainfanClientErrorCode;
  /** the server's error number (@chainfan/protocol `ERROR`) when code is CHAINFAN_CLIENT_SERVER_ERROR */
  readonly serverCode: number | undefined;
  readonly context: Readonly<Record<string, unknown>> | undefined;
  constructor(
    code: ChainfanClientErrorCode,
    message: string,
    options?: ErrorOptions & { serverCode?: number; context?: Record<string, unknown> },
  ) {
    super(message, options);
    this.code = code;
    this.serverCode = options?.serverCode;
    this.context = options?.context;
  }
}
