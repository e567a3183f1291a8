// Test-only: Sessions on open in-memory sockets, so one edge module can be tested alone (no Edge, no port, no real
// time). The test supplies the handlers the module under test answers; open and close keep the Session's lifecycle.
import { evrmoreRpcDialect, type Dialect } from '@chainfan/protocol';
import type { AdmissionTicket } from '../admission.js';
import type { Principal } from '../auth/authenticator.js';
import { TopicAcl } from '../auth/topic-acl.js';
import { Session } from '../session.js';
import { type MemoryPeer, MemoryTransport } from '../transport/memory-transport.js';
import type { CloseCause, WsHandlers, WsTransportOptions } from '../transport/ws-transport.js';

export interface OpenSocket {
  readonly s: Session;
  readonly peer: MemoryPeer<Session>;
}

export interface SocketOptions {
  readonly dialect?: Dialect;
  readonly acl?: TopicAcl;
  readonly expiresAtMs?: number;
  readonly maxSubscriptions?: number;
  readonly openedAtMs?: number;
}

export interface MemorySockets {
  readonly transport: MemoryTransport<Session>;
  /** A socket that passed admission and opened. */
  open(opts?: SocketOptions): Promise<OpenSocket>;
}

/** An admission ticket for tests: anonymous, with the given ACL (every topic by default). */
export function testTicket(acl: TopicAcl = TopicAcl.ALL, expiresAtMs?: number): AdmissionTicket {
  const principal: Principal = { kind: 'anonymous', id: undefined, limitKey: undefined, acl, expiresAtMs, admin: false };
  return { slot: { address: '127.0.0.1', lease: undefined, released: false }, principal, protocol: '' };
}

export function memorySockets(
  handlers: Partial<Pick<WsHandlers<Session>, 'message' | 'drain'>> & { readonly closed?: (s: Session, code: number, cause: CloseCause) => void } = {},
  options: Partial<WsTransportOptions> = {},
): MemorySockets {
  let next: Session | undefined;
  let ids = 1;
  const transport = new MemoryTransport<Session>(
    { maxPayloadBytes: 16 * 1024, idleTimeoutSeconds: 120, hardBackpressureBytes: 1 << 30, maxHttpBodyBytes: 1024, webSocketOnly: () => true, ...options },
    {
      upgrade: () => Promise.resolve({ accept: next!, protocol: '' }),
      abandoned: () => undefined,
      open: (conn) => conn.data.attach(conn),
      message: (conn, frame, isBinary) => handlers.message?.(conn, frame, isBinary),
      drain: (conn) => handlers.drain?.(conn),
      close: (conn, code, cause) => {
        conn.data.ended();
        handlers.closed?.(conn.data, code, cause);
      },
    },
  );
  void transport.listen('127.0.0.1', 0);
  return {
    transport,
    async open(opts = {}) {
      const s = new Session(ids++, opts.dialect ?? evrmoreRpcDialect, opts.openedAtMs ?? 0, testTicket(opts.acl, opts.expiresAtMs), opts.maxSubscriptions ?? 100);
      next = s;
      const c = await transport.connect();
      if (!c.ok) throw new Error(`memory socket refused: ${c.status}`);
      return { s, peer: c.peer };
    },
  };
}
