// IPC messages between the loadgen coordinator and its worker processes (structured-clone safe, no classes).
import type { ProtocolSpec } from './client-protocols.js';
import type { SparseHistogram } from './histogram.js';

export interface OpenCommand {
  readonly type: 'open';
  readonly host: string;
  readonly port: number;
  readonly count: number;
  readonly localAddress?: string;
  readonly protocol: ProtocolSpec;
  /** connections in the connecting/upgrading/subscribing states at once */
  readonly concurrency: number;
  /** a connection not subscribed by then counts as failed ('subscribe timeout') */
  readonly subscribeTimeoutMs: number;
}

export type WorkerCommand =
  | OpenCommand
  /** zero the counters and start recording latencies */
  | { readonly type: 'measure-start' }
  /** report what was counted since measure-start */
  | { readonly type: 'measure-stop' }
  /** close every connection and exit */
  | { readonly type: 'close' };

export interface FailureCount {
  readonly reason: string;
  readonly count: number;
}

export type WorkerReport =
  | { readonly type: 'progress'; readonly attempted: number; readonly subscribed: number; readonly failed: number; readonly dropped: number; readonly deliveries: number }
  | { readonly type: 'opened'; readonly subscribed: number; readonly failed: number; readonly failures: readonly FailureCount[]; readonly wallMs: number }
  | {
      readonly type: 'measured';
      readonly deliveries: number;
      readonly histogram: SparseHistogram;
      readonly wallMs: number;
      readonly dropped: number;
      readonly failures: readonly FailureCount[];
    }
  /** counters zeroed: everything received from here on is measured */
  | { readonly type: 'measure-started' }
  | { readonly type: 'closed' };
