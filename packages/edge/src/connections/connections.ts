// Client sockets from upgrade to close: admission with the dialect's rules, the Session, the open sockets and their
// counts per dialect, ending a socket with a recorded reason, handler failures, and the metrics of each close.
import { CLOSE, REJECT, type Dialect, type RejectKind } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Admission, AdmissionTicket, DialectAdmission } from '../admission.js';
import { TopicAcl } from '../auth/topic-acl.js';
import type { Clock } from '../clock.js';
import type { DialectSelector } from '../dialect-select.js';
import { type CloseFrame, type ServerCloseReason, Session } from '../session.js';
import type { CloseCause, HandlerName, UpgradeDecision, UpgradeRequest, WsConnection } from '../transport/ws-transport.js';

export interface ConnectionsDeps {
  readonly config: { readonly maxSubscriptionsPerConnection: number };
  readonly selector: DialectSelector;
  readonly admission: Admission;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  /** draining or closing: new sockets are refused (503), or closed with 1001 when they open anyway */
  readonly refusing: () => boolean;
  /** a socket opened and is staying: what it gets from the start (heartbeats, welcome, implicit subscriptions) */
  readonly opened: (s: Session) => void;
  /** a socket closed: every module lets go of what it kept for it */
  readonly closed: (s: Session) => void;
  /** frames the socket was sent over its life */
  readonly messages: (s: Session) => number;
}

/** The ticket of a connection refused at admission but upgraded to be closed with its dialect's code. */
function doomedTicket(): AdmissionTicket {
  return {
    slot: { address: '', lease: undefined, released: true },
    principal: { kind: 'anonymous', id: undefined, limitKey: undefined, acl: TopicAcl.NONE, expiresAtMs: undefined, admin: false },
    protocol: '',
  };
}

export class Connections {
  readonly #d: ConnectionsDeps;
  readonly #sessions = new Set<Session>();
  readonly #byDialect = new Map<string, number>();
  #nextId = 1;
  #handlerFailures = 0;

  constructor(deps: ConnectionsDeps) {
    this.#d = deps;
  }

  /** The open sockets. */
  all(): ReadonlySet<Session> {
    return this.#sessions;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Open connections per dialect name. */
  byDialect(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#byDialect);
  }

  upgrade(req: UpgradeRequest): Promise<UpgradeDecision<Session>> {
    const dialect = this.#d.selector.select(req);
    const perKey = dialect.limits?.maxConnectionsPerKey;
    const rules: DialectAdmission = {
      ...(perKey === undefined ? {} : { keyLimit: { maxConnectionsPerKey: perKey, scope: dialect.name } }),
      ...(dialect.limits?.requiresCredentials === true ? { requiresCredentials: true } : {}),
    };
    return this.#d.admission.admit(req, this.#d.refusing, rules).then((r): UpgradeDecision<Session> => {
      if (!r.ok) return this.#refuse(dialect, r.reject);
      return { accept: this.#session(dialect, r.ticket, undefined), protocol: r.ticket.protocol };
    });
  }

  /** An upgraded socket that never opened gives its admission back. */
  abandoned(s: Session): void {
    this.#d.admission.release(s.ticket.slot);
  }

  open(conn: WsConnection<Session>): void {
    const s = conn.data;
    s.attach(conn);
    this.#sessions.add(s);
    this.#byDialect.set(s.dialect.name, (this.#byDialect.get(s.dialect.name) ?? 0) + 1);
    this.#d.metrics.connections.inc();
    this.#d.metrics.connectionsOpened.inc();
    if (this.#d.log.isLevelEnabled('debug')) {
      this.#d.log.debug({ event: 'conn.open', session: s.id, dialect: s.dialect.name, principal: s.ticket.principal.id, auth: s.ticket.principal.kind }, 'connection open');
    }
    // an upgrade that was in flight when drain started
    if (this.#d.refusing()) {
      this.end(s, CLOSE.goingAway, 'draining');
      return;
    }
    if (s.doomed !== undefined) {
      this.end(s, s.doomed, 'rejected');
      return;
    }
    this.#d.opened(s);
  }

  close(s: Session, code: number, cause: CloseCause): void {
    s.ended();
    this.#d.admission.release(s.ticket.slot);
    if (!this.#sessions.delete(s)) return;
    this.#byDialect.set(s.dialect.name, (this.#byDialect.get(s.dialect.name) ?? 1) - 1);
    this.#d.closed(s);
    const reason = s.closeReason ?? closeReasonFor(cause);
    const m = this.#d.metrics;
    if (cause === 'too_large') {
      m.clientErrors.inc({ reason: 'frame_too_large' });
      m.limitHits.inc({ limit: 'frame_size' });
    }
    const messages = this.#d.messages(s);
    m.connections.dec();
    m.connectionsClosed.inc({ reason });
    m.connectionLifetime.observe((this.#d.clock.now() - s.openedAtMs) / 1000);
    m.connectionMessages.observe(messages);
    if (this.#d.log.isLevelEnabled('debug')) this.#d.log.debug({ event: 'conn.close', session: s.id, code, reason, messages }, 'connection closed');
  }

  end(s: Session, close: CloseFrame, why: ServerCloseReason): void {
    if (!s.isOpen) return;
    s.noteCloseReason(why);
    s.conn?.end(close.code, close.reason);
  }

  /** Every open socket will be counted as closed by shutdown, whatever ends it. */
  shuttingDown(): void {
    for (const s of this.#sessions) s.noteCloseReason('shutdown');
  }

  /**
   * A handler threw: a bug, never the client's fault. The transport closes that one socket (or answers that one
   * request 500); here it is counted, and logged at error with its context — the first time, then at powers of two,
   * so a client that can trigger it in a loop cannot flood the log.
   */
  handlerFailed(where: HandlerName | 'command', err: unknown, s: Session | undefined): void {
    this.#d.metrics.handlerFailures.inc({ handler: where });
    s?.noteCloseReason('internal');
    const n = ++this.#handlerFailures;
    if ((n & (n - 1)) !== 0) return;
    this.#d.log.error(
      { event: 'handler.failed', handler: where, session: s?.id, dialect: s?.dialect.name, principal: s?.ticket.principal.id, err, count: n },
      `${where} handler failed: socket closed 1011`,
    );
  }

  /** An HTTP refusal, or — for dialects whose clients learn about refusals from close codes — a socket closed on open. */
  #refuse(dialect: Dialect, reject: RejectKind): UpgradeDecision<Session> {
    const close = dialect.closeFor?.(reject);
    if (close === undefined) {
      const { status, code, message } = REJECT[reject];
      return { reject: { status, code, message } };
    }
    return { accept: this.#session(dialect, doomedTicket(), close), protocol: '' };
  }

  #session(dialect: Dialect, ticket: AdmissionTicket, doomed: CloseFrame | undefined): Session {
    const maxSubs = dialect.limits?.maxSubscriptionsPerConnection ?? this.#d.config.maxSubscriptionsPerConnection;
    return new Session(this.#nextId++, dialect, this.#d.clock.now(), ticket, maxSubs, doomed);
  }
}

function closeReasonFor(cause: CloseCause): string {
  switch (cause) {
    case 'peer':
      return 'client';
    case 'too_large':
      return 'frame_too_large';
    case 'abnormal':
      return 'abnormal';
    case 'local':
      return 'server';
  }
}
