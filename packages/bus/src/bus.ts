// The Bus seam: ordered, sequenced channels with bounded history (DESIGN.md §3).
import type { BusChannel, Envelope, OutgoingEnvelope } from '@chainfan/protocol';

export type BusState = 'connecting' | 'up' | 'down' | 'closed';

export interface PublishReceipt {
  readonly epoch: string;
  readonly seq: number;
}

export interface HistoryRead {
  /** epoch of the channel now; when it differs from the caller's, the caller's position is void */
  readonly epoch: string | undefined;
  /** messages with seq > sinceSeq, ascending, at most `limit` */
  readonly messages: readonly Envelope[];
  /** false when history no longer reaches back to sinceSeq + 1 (trimmed, or another epoch) */
  readonly covered: boolean;
}

export interface Bus {
  readonly state: BusState;

  /**
   * Atomically assigns the next (epoch, seq) of the channel, appends to its bounded history and publishes
   * live, in one round trip. Rejects with CHAINFAN_BUS_DOWN when the bus is not connected: nothing is
   * queued behind the caller's back, so a caller that must not lose the event retries it.
   */
  publish(msg: OutgoingEnvelope): Promise<PublishReceipt>;

  /**
   * Resolves once the subscription is confirmed; earlier publishes are not delivered live (read history).
   * After a reconnect the bus re-subscribes by itself and emits state 'up' again; callers then fill from history.
   */
  subscribe(channel: BusChannel): Promise<void>;
  unsubscribe(channel: BusChannel): Promise<void>;

  /** One handler; called synchronously per message, in seq order per channel. */
  onMessage(handler: (msg: Envelope) => void): void;
  /** Adds a state listener; several components may share one bus (chainfan dev). Returns the remover. */
  onStateChange(handler: (state: BusState) => void): () => void;

  /** Messages with seq in (sinceSeq, …], at most `limit`, from the bounded history. */
  history(channel: BusChannel, sinceSeq: number, limit: number): Promise<HistoryRead>;

  /** Current (epoch, last seq) of a channel, or undefined when nothing was published yet. */
  position(channel: BusChannel): Promise<PublishReceipt | undefined>;

  /** Idempotent; a second call returns the first promise. */
  close(): Promise<void>;
}
