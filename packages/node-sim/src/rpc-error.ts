// bitcoind's RPC error codes (src/rpc/protocol.h) and the error a method throws to produce one.
export const RPC_ERROR = {
  miscError: -1,
  typeError: -3,
  invalidAddressOrKey: -5,
  invalidParameter: -8,
  invalidRequest: -32600,
  methodNotFound: -32601,
  parseError: -32700,
} as const;

/** Thrown by RPC methods for an expected failure; anything else thrown becomes -1 (misc error), as in bitcoind. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
