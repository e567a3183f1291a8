// How the ingestor lives with an unreachable node: probes back off (doubling up to a ceiling) while the node stays
// down, each failed probe is one warn line with the node's URL (no credentials), the cause and the next try, and the
// other periodic RPC work stays quiet about the same outage. The node answering anything resets it.
import { ChainfanError, rootCause } from '@chainfan/protocol';

/** The slice of a pino logger this needs. */
export interface OutageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface NodeOutageOptions {
  /** where the RPC calls go, already without credentials */
  readonly url: string;
  readonly log: OutageLogger;
  /** first retry delay: the normal probe period */
  readonly baseMs: number;
  /** default 60 000 */
  readonly maxMs?: number;
  readonly now?: () => number;
}

/** True for the failures an outage produces (refused, unresolvable, timed out): no stack trace is worth logging. */
export function isNodeUnreachable(err: unknown): boolean {
  return err instanceof ChainfanError && (err.code === 'CHAINFAN_RPC_TIMEOUT' || (err.code === 'CHAINFAN_RPC_FAILED' && err.message.endsWith('node unreachable')));
}

export class NodeOutage {
  readonly #o: NodeOutageOptions;
  readonly #now: () => number;
  #failures = 0;
  #nextProbeAt = 0;

  constructor(o: NodeOutageOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  get down(): boolean {
    return this.#failures > 0;
  }

  /** False while a backed-off retry is not due yet. */
  probeDue(): boolean {
    return this.#now() >= this.#nextProbeAt;
  }

  /** A probe failed: schedules the next one and says so. */
  failed(err: unknown): void {
    this.#failures++;
    const delayMs = Math.min(this.#o.maxMs ?? 60_000, this.#o.baseMs * 2 ** Math.min(this.#failures - 1, 30));
    this.#nextProbeAt = this.#now() + delayMs;
    const url = this.#o.url;
    if (isNodeUnreachable(err)) {
      const cause = rootCause(err);
      this.#o.log.warn(
        { event: 'node.unreachable', url, cause, attempt: this.#failures, retryInMs: delayMs },
        `node RPC at ${url} unreachable (${cause}); retrying in ${Math.round(delayMs / 1000)} s`,
      );
    } else {
      // not a network failure (bad credentials, a proxy's HTML page): the whole error helps
      this.#o.log.warn({ event: 'node.unreachable', url, err, attempt: this.#failures, retryInMs: delayMs }, `node RPC at ${url} failed; retrying in ${Math.round(delayMs / 1000)} s`);
    }
  }

  /** The node answered (any call): back to the normal pace. */
  recovered(): void {
    if (this.#failures === 0) return;
    this.#o.log.info({ event: 'node.reachable', url: this.#o.url, failedProbes: this.#failures }, `node RPC at ${this.#o.url} reachable again`);
    this.#failures = 0;
    this.#nextProbeAt = 0;
  }
}
