// Server → client messages of the evrmore-rpc wire protocol (`{"type", "data"}`), as a union discriminated on `type`.
// The decoder checks the envelope and each message's identifying fields; other fields are as the server sent them.

/** `getblock <hash> 1`. `difficulty` is a JSON string under evrmore-rpc 1.2.1 (pydantic v2 Decimal), a number elsewhere. */
export interface BlockData {
  readonly hash: string;
  readonly height: number;
  readonly time: number;
  readonly size: number;
  readonly weight: number;
  readonly version: number;
  readonly merkleroot: string;
  readonly nonce: number;
  readonly bits: string;
  readonly difficulty: number | string;
  readonly chainwork: string;
  readonly tx: readonly string[];
  readonly confirmations?: number;
  readonly strippedsize?: number;
  readonly versionHex?: string;
  readonly mediantime?: number;
  /** KAWPOW fields (Evrmore) */
  readonly headerhash?: string;
  readonly mixhash?: string;
  readonly nonce64?: number;
  readonly previousblockhash?: string | null;
  readonly nextblockhash?: string | null;
}

export interface ScriptSig {
  readonly asm: string;
  readonly hex: string;
}

export interface TxInput {
  /** present on coinbase inputs only, which have no txid/vout */
  readonly coinbase?: string;
  readonly txid?: string;
  readonly vout?: number;
  readonly scriptSig?: ScriptSig;
  readonly txinwitness?: readonly string[];
  readonly sequence: number;
}

export interface ScriptPubKey {
  readonly asm: string;
  readonly hex: string;
  readonly type: string;
  readonly reqSigs?: number;
  readonly addresses?: readonly string[];
  /** Evrmore asset payload (`OP_EVR_ASSET`) on transfer/new/reissue outputs */
  readonly asset?: { readonly name: string; readonly amount: number; readonly [extra: string]: unknown };
}

export interface TxOutput {
  readonly value: number;
  readonly n: number;
  readonly scriptPubKey: ScriptPubKey;
}

/** `getrawtransaction <txid> true`; the block fields appear once the transaction is mined. */
export interface TransactionData {
  readonly txid: string;
  readonly hash: string;
  readonly size: number;
  readonly vsize: number;
  readonly version: number;
  readonly locktime: number;
  readonly vin: readonly TxInput[];
  readonly vout: readonly TxOutput[];
  readonly hex?: string;
  readonly blockhash?: string;
  readonly confirmations?: number;
  readonly time?: number;
  readonly blocktime?: number;
}

/** One asset movement: evrmore-rpc's documented `{txid, asset, amount, type}`, plus where it went. */
export interface AssetData {
  readonly txid: string;
  readonly asset: string;
  readonly amount: number;
  /** 'transfer' | 'new' | 'reissue' | 'owner' | … */
  readonly type: string;
  readonly vout?: number;
  readonly address?: string | null;
}

/** `getmempoolinfo` summary, sent periodically. */
export interface MempoolData {
  readonly size: number;
  readonly bytes: number;
  readonly usage: number;
  readonly maxmempool?: number;
  readonly mempoolminfee?: number;
}

/** The ZMQ `sequence` notification as evrmore-rpc forwards it: the frame counter and the body in hex. */
export interface SequenceData {
  readonly sequence: number;
  readonly hash: string;
}

export interface SubscriptionData {
  readonly status: string;
  readonly topic: string;
  readonly action: 'subscribe' | 'unsubscribe';
  /** on acks of subscribes that carried `since`: per bus channel, the position the live stream starts after */
  readonly positions?: Readonly<Record<string, { readonly epoch: string; readonly seq: number }>>;
}

/**
 * A chainfan edge's `{"type":"resync"}` notice (delivered as an UnknownMessage with wireType 'resync'). `subscribed`
 * false: the edge dropped the topic (slow consumer) and the SDK resubscribes from the position by itself. true: the
 * messages after the client's position up to (epoch, seq) could not be recovered; the stream continues after it.
 */
export interface ResyncData {
  readonly topic: string;
  readonly channel: string;
  readonly reason: string;
  readonly subscribed: boolean;
  readonly epoch: string;
  readonly seq: number;
}

/** `code` is from the table in @chainfan/protocol `ERROR` (1001 invalid topic, 1002 not subscribed, …). */
export interface ErrorData {
  readonly code: number;
  readonly message: string;
}

/**
 * Where an event sits in its bus channel's stream, as a chainfan edge sends it (other evrmore-rpc servers do not):
 * the SDK resumes from these after a reconnect and drops frames it already delivered.
 */
export interface StreamPositioned {
  readonly channel?: string;
  readonly epoch?: string;
  readonly seq?: number;
}

export interface BlockMessage extends StreamPositioned { readonly type: 'block'; readonly data: BlockData }
export interface TransactionMessage extends StreamPositioned { readonly type: 'transaction'; readonly data: TransactionData }
export interface AssetMessage extends StreamPositioned { readonly type: 'asset'; readonly data: AssetData }
export interface MempoolMessage extends StreamPositioned { readonly type: 'mempool'; readonly data: MempoolData }
export interface SequenceMessage extends StreamPositioned { readonly type: 'sequence'; readonly data: SequenceData }
export interface SubscriptionMessage { readonly type: 'subscription'; readonly data: SubscriptionData }
export interface ErrorMessage { readonly type: 'error'; readonly data: ErrorData }

/**
 * Any other `type` (reorgs, network, peers, future additions). Its discriminant is the literal 'unknown' so that
 * `switch (msg.type)` narrows the typed members; the server's own type string is kept in `wireType`.
 */
export interface UnknownMessage extends StreamPositioned { readonly type: 'unknown'; readonly wireType: string; readonly data: unknown }

export type ChainfanMessage =
  | BlockMessage
  | TransactionMessage
  | AssetMessage
  | MempoolMessage
  | SequenceMessage
  | SubscriptionMessage
  | ErrorMessage
  | UnknownMessage;

export type KnownMessageType = Exclude<ChainfanMessage['type'], 'unknown'>;
