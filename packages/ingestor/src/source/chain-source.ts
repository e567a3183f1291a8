// The ChainSource seam: where node notifications come from (ZMQ today; a poller or another transport later).
export type NotificationTopic = 'hashblock' | 'hashtx' | 'rawblock' | 'rawtx' | 'sequence';

export interface ChainNotification {
  readonly topic: NotificationTopic;
  readonly body: Uint8Array;
  /** the per-topic publisher counter (uint32), undefined when the node sent 2 frames */
  readonly sequence: number | undefined;
  /** local receive time, ms */
  readonly receivedAt: number;
}

export interface ChainSource {
  /** Resolves once connected (ZMQ connects lazily: resolves when the sockets are set up). */
  start(): Promise<void>;
  /** Handler is called in receive order; a rejected promise is reported, never swallowed. */
  onNotification(handler: (n: ChainNotification) => void): void;
  /** Malformed frames: counted and reported here, never thrown. */
  onInvalid(handler: (error: string) => void): void;
  close(): Promise<void>;
}
