// One error class for the whole project; callers branch on `code`, never on message text.
export type ChainfanErrorCode =
  | 'CHAINFAN_CONFIG_INVALID'
  | 'CHAINFAN_BUS_CLOSED'
  | 'CHAINFAN_BUS_DOWN'
  | 'CHAINFAN_PUBLISH_TIMEOUT'
  | 'CHAINFAN_PUBLISH_FENCED'
  | 'CHAINFAN_LIMIT_EXCEEDED'
  | 'CHAINFAN_RPC_FAILED'
  | 'CHAINFAN_RPC_TIMEOUT'
  | 'CHAINFAN_DECODE_FAILED'
  | 'CHAINFAN_TIMEOUT'
  | 'CHAINFAN_NOT_FOUND';

export class ChainfanError extends Error {
  override readonly name = 'ChainfanError';
  readonly code: ChainfanErrorCode;
  readonly context: Readonly<Record<string, unknown>> | undefined;
  constructor(code: ChainfanErrorCode, message: string, options?: ErrorOptions & { context?: Record<string, unknown> }) {
    super(message, options);
    this.code = code;
    this.context = options?.context;
  }
}

export function assertNever(x: never): never {
  throw new Error(`unreachable: ${String(x)}`);
}
