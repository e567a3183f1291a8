// What a socket asks for, from frame to answer: the message-rate bucket, the per-socket command queue (answers keep
// the order of requests) and the requests answered here (ping, status, node RPC); subscribes are handed on.
// The bucket and the queue of each socket are kept here and changed by nothing else.
import { CLOSE, ERROR, type ClientCommand, type ClientError, type RequestRef, type Since, type Target } from '@chainfan/protocol';
import type { EdgeMetrics } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import type { ClusterSummary } from '../cluster/cluster-stats.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { CommandProxy } from '../rpc/command-proxy.js';
import type { EndSocket, Session } from '../session.js';

export interface ClientCommandsDeps {
  readonly config: { readonly messageRatePerSecond: number; readonly messageBurst: number; readonly maxPendingCommands: number };
  readonly metrics: EdgeMetrics;
  readonly clock: Clock;
  readonly proxy: CommandProxy;
  /** the cluster-wide numbers a status request reports */
  readonly cluster: () => Promise<ClusterSummary>;
  /** the latest canonical `network` summary delivered here */
  readonly network: () => string | undefined;
  readonly reply: (s: Session, frame: string | Buffer) => boolean;
  readonly end: EndSocket;
  /** a command handler threw: counted and logged by the owner of the socket */
  readonly failed: (err: unknown, s: Session) => void;
  readonly subscribe: (s: Session, target: Target, raw: string, since: Since | undefined, ref: RequestRef, implicit: boolean) => Promise<void>;
  readonly unsubscribe: (s: Session, target: Target, raw: string, ref: RequestRef) => void;
  /** what the socket subscribed to, as it spelled it (status requests report it) */
  readonly subscriptions: (s: Session) => readonly string[];
}

/** One socket's inbound side: its message-rate bucket and its command chain. */
interface SocketCommands {
  readonly bucket: TokenBucket;
  /** commands accepted but not yet answered; bounded by maxPendingCommands */
  pending: number;
  /** tail of this socket's command chain: commands are answered in the order they arrived */
  queue: Promise<void>;
}

/** The request id a decoded frame carries, if any. */
function refOf(cmd: ClientCommand): RequestRef {
  return 'ref' in cmd ? cmd.ref : undefined;
}

/** Commands answered synchronously inside the uWS callback when nothing is queued ahead of them. */
function isSync(cmd: ClientCommand): boolean {
  return cmd.type === 'invalid' || cmd.type === 'unsubscribe' || cmd.type === 'ping';
}

export class ClientCommands {
  readonly #d: ClientCommandsDeps;
  readonly #bySocket = new WeakMap<Session, SocketCommands>();

  constructor(deps: ClientCommandsDeps) {
    this.#d = deps;
  }

  /** A dialect's documented rate (per minute) replaces the edge's; a bucket starts full. */
  #of(s: Session): SocketCommands {
    let st = this.#bySocket.get(s);
    if (st === undefined) {
      const now = this.#d.clock.now();
      const perMinute = s.dialect.limits?.messagesPerMinute;
      const bucket = perMinute === undefined
        ? new TokenBucket(this.#d.config.messageRatePerSecond, this.#d.config.messageBurst, now)
        : new TokenBucket(perMinute / 60, perMinute, now);
      st = { bucket, pending: 0, queue: Promise.resolve() };
      this.#bySocket.set(s, st);
    }
    return st;
  }

  /** Commands of this socket accepted and not yet answered. */
  pending(s: Session): number {
    return this.#bySocket.get(s)?.pending ?? 0;
  }

  /** One frame from the socket: rate-limited, decoded, then answered in order. */
  receive(s: Session, frame: ArrayBuffer, isBinary: boolean): void {
    const d = this.#d;
    const st = this.#of(s);
    switch (st.bucket.take(d.clock.now())) {
      case 'ok':
        break;
      case 'limited': {
        d.metrics.limitHits.inc({ limit: 'message_rate' });
        const perMinute = s.dialect.limits?.messagesPerMinute;
        const message = perMinute === undefined ? ERROR.rateLimited.message(d.config.messageRatePerSecond) : `Rate limited (${perMinute} messages/minute): message ignored`;
        // the refusal answers that request: its id (when the protocol has ids) comes back, as with any other error
        this.fail(s, { reason: 'rate_limited', code: ERROR.rateLimited.code, message }, refOf(s.dialect.decode(frame, isBinary)));
        return;
      }
      case 'exceeded':
        d.metrics.limitHits.inc({ limit: 'message_rate' });
        d.end(s, s.dialect.closeFor?.('rate_limited') ?? CLOSE.rateLimited, 'rate_limited');
        return;
    }
    const cmd = s.dialect.decode(frame, isBinary); // synchronous: uWS detaches `frame` when we return
    if (cmd.type === 'ignore') return;
    if (st.pending === 0 && isSync(cmd)) {
      void this.#handle(s, cmd); // synchronous for these; nothing queued ahead: answer inside the corked uWS callback
      return;
    }
    this.enqueue(s, () => this.#handle(s, cmd));
  }

  /** Runs `task` after everything this socket asked before it (answers keep the order of requests). */
  enqueue(s: Session, task: () => void | Promise<void>): void {
    const d = this.#d;
    const st = this.#of(s);
    // a client may always ask for its whole subscription budget at once (plus one over, to hear the refusal), even
    // while the first request waits for Redis: the flood guard is for more than that
    if (st.pending >= Math.max(d.config.maxPendingCommands, s.maxSubscriptions + 1)) {
      d.metrics.clientErrors.inc({ reason: 'rate_limited' });
      d.metrics.limitHits.inc({ limit: 'pending_commands' });
      d.end(s, s.dialect.closeFor?.('rate_limited') ?? CLOSE.rateLimited, 'rate_limited');
      return;
    }
    st.pending++;
    st.queue = st.queue
      // a request whose socket closed while it waited is dropped here: it never reaches the bus or the node
      .then(() => (s.isOpen ? task() : d.metrics.commandsDropped.inc()))
      .catch((err: unknown) => {
        // a bug in command handling: this socket cannot be trusted to be consistent any more
        d.failed(err, s);
        d.end(s, CLOSE.internal, 'internal');
      })
      .finally(() => {
        st.pending--;
      });
  }

  /** An error frame for one request, counted by reason. */
  fail(s: Session, error: ClientError, ref: RequestRef): void {
    this.#d.metrics.clientErrors.inc({ reason: error.reason });
    this.#d.reply(s, s.dialect.encodeError(error, ref));
  }

  /** Synchronous for `isSync` commands; subscribe waits for the bus (and replays), status and rpc for their answers. */
  #handle(s: Session, cmd: ClientCommand): void | Promise<void> {
    const d = this.#d;
    switch (cmd.type) {
      case 'invalid':
        if (cmd.error.reason === 'topic_too_long') d.metrics.limitHits.inc({ limit: 'topic_length' });
        this.fail(s, cmd.error, cmd.ref);
        return;
      case 'unsubscribe':
        d.unsubscribe(s, cmd.target, cmd.raw, cmd.ref);
        return;
      case 'subscribe':
        return d.subscribe(s, cmd.target, cmd.raw, cmd.since, cmd.ref, false);
      case 'ping':
        d.reply(s, s.dialect.encodeReply({ type: 'pong', ref: cmd.ref, nowMs: d.clock.now() }));
        return;
      case 'status':
        return this.#status(s, cmd.ref);
      case 'rpc':
        return this.#command(s, cmd.method, cmd.params, cmd.ref);
      case 'batch':
        return (async () => {
          for (const c of cmd.commands) {
            if (!s.isOpen) break; // the rest die with the socket, like queued requests
            if (c.type !== 'batch') await this.#handle(s, c);
          }
        })();
      case 'ignore':
        return;
    }
  }

  async #status(s: Session, ref: RequestRef): Promise<void> {
    const c = await this.#d.cluster();
    if (!s.isOpen) return;
    const subscriptions = this.#d.subscriptions(s);
    const status = { subscriptions, connections: c.connections, edges: c.edges, network: this.#d.network() };
    this.#d.reply(s, s.dialect.encodeReply({ type: 'status', ref, nowMs: this.#d.clock.now(), status }));
  }

  async #command(s: Session, method: string, params: readonly unknown[], ref: RequestRef): Promise<void> {
    const out = await this.#d.proxy.call(method, params);
    if (!s.isOpen) return;
    if (!out.ok) {
      this.fail(s, out.error, ref);
      return;
    }
    this.#d.reply(s, s.dialect.encodeReply({ type: 'rpc', ref, method, params, result: out.result }));
  }
}
