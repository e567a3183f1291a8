// The Bus seam: ordered, sequenced channels with bounded history.
import type { BusChannel, Envelope, OutgoingEnvelope } from '@chainfan/protocol';

export type BusState = 'connecting' | 'up' | 'down' | 'closed';

export interface PublishReceipt {
  readonly epoch: string;
  readonly seq: number;
}

export interface HistoryRead {
  /** epoch of the channel now; when it differs from the caller's, the caller's position is void */
  readonly epoch: string | undefined;
  /** the channel's last seq in that epoch (absent when epoch is); below a reader's own position means a rewind */
  readonly lastSeq?: number;
  /** messages with seq > sinceSeq, ascending, at most `limit` */
  readonly messages: readonly Envelope[];
  /** false when history no longer reaches back to sinceSeq + 1 (trimmed, or another epoch) */
  readonly covered: boolean;
}

export interface PublishOptions {
  /**
   * The publisher's leader-lease token. When given, the publish happens only if the lease is still held with
   * exactly this token; otherwise it rejects with CHAINFAN_PUBLISH_FENCED and nothing is sequenced, stored or
   * published. A leader that lost its lease can therefore never publish, even before it notices.
   */
  readonly fencingToken?: string;
  /** Stored as the checkpoint in the same atomic step as the publish (see Coordinator.readCheckpoint). */
  readonly checkpoint?: string;
}

/**
 * What a single active publisher needs besides publishing: a leader lease with fencing tokens and a checkpoint
 * written atomically with its publishes, so a restarted or newly elected publisher resumes with no hole and no
 * duplicate.
 */
export interface Coordinator {
  /** The checkpoint of the last publish that carried one, or undefined. Reflects every publish this instance sent, including ones whose caller saw a timeout (it waits for their answer within the command deadline). */
  readCheckpoint(): Promise<string | undefined>;
  /**
   * Takes the lease when nobody holds it. Resolves with a fencing token (strictly larger than every token issued
   * before, as a decimal prefix) or undefined when another owner holds it.
   */
  acquireLease(owner: string, ttlMs: number): Promise<string | undefined>;
  /** Extends the lease; false when it expired or was taken over (the caller must stop publishing at once). */
  renewLease(token: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up early (clean shutdown) so a standby takes over without waiting for the TTL. */
  releaseLease(token: string): Promise<void>;
}

export interface Bus {
  readonly state: BusState;

  /**
   * Atomically assigns the next (epoch, seq) of the channel, appends to its bounded history and publishes
   * live, in one round trip. Rejects with CHAINFAN_BUS_DOWN when the bus is not connected: nothing is
   * queued behind the caller's back, so a caller that must not lose the event retries it.
   */
  publish(msg: OutgoingEnvelope, opts?: PublishOptions): Promise<PublishReceipt>;

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

  /**
   * Ends `epoch` of the channel when it is still the current one, so the next publish starts a new epoch. For a
   * reader that proved the channel rewound (another message under a position it delivered): the positions handed
   * out in that epoch can no longer be trusted. Resolves true when the epoch was ended.
   */
  endEpoch(channel: BusChannel, epoch: string): Promise<boolean>;

  /** Idempotent; a second call returns the first promise. */
  close(): Promise<void>;
}
