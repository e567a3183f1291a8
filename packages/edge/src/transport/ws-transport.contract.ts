// The WsTransport contract, run against every implementation (uWebSockets.js in the int layer, the in-memory one in
// the unit layer): upgrades, frames both ways, topics, the three ways a connection ends, and closing the transport.
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@chainfan/testkit';
import type { CloseCause, UpgradeDecision, UpgradeRequest, WsConnection, WsHandlers, WsTransportOptions } from './ws-transport.js';

/** The client end as the contract sees it. */
export interface ContractPeer {
  send(data: string | Uint8Array): void;
  /** text of the frames received so far */
  texts(): readonly string[];
  close(code: number, reason: string): void;
  /** how the connection ended, once it has */
  closed(): { readonly code: number; readonly reason: string } | undefined;
}

export type ContractConnect =
  | { readonly ok: true; readonly peer: ContractPeer; readonly protocol: string }
  | { readonly ok: false; readonly status: number; readonly body: string };

export interface ContractRequest {
  readonly path?: string;
  readonly query?: string;
  readonly protocol?: string;
  readonly authorization?: string;
}

/** One implementation under test, with a client of its own kind. */
export interface TransportDriver {
  start(opts: WsTransportOptions, handlers: WsHandlers<Data>): Promise<void>;
  connect(req?: ContractRequest): Promise<ContractConnect>;
  publish(topic: string, frame: string): void;
  listening(): boolean;
  close(): Promise<void>;
}

export interface Data {
  readonly id: number;
  readonly req: UpgradeRequest;
}

const OPTS: WsTransportOptions = { maxPayloadBytes: 1_024, idleTimeoutSeconds: 0, hardBackpressureBytes: 1 << 20 };

interface Recorder {
  readonly handlers: WsHandlers<Data>;
  readonly opened: WsConnection<Data>[];
  readonly messages: { id: number; text: string; binary: boolean }[];
  readonly closes: { id: number; code: number; cause: CloseCause; wasOpen: boolean }[];
  decide: (req: UpgradeRequest, id: number) => UpgradeDecision<Data> | Promise<UpgradeDecision<Data>>;
}

function recorder(): Recorder {
  let next = 1;
  const r: Recorder = {
    opened: [],
    messages: [],
    closes: [],
    decide: (req, id) => ({ accept: { id, req }, protocol: req.protocol.split(',')[0]?.trim() ?? '' }),
    handlers: {
      upgrade: (req) => r.decide(req, next++),
      abandoned: () => undefined,
      open: (conn) => r.opened.push(conn),
      message: (conn, frame, binary) => r.messages.push({ id: conn.data.id, text: Buffer.from(frame).toString('utf8'), binary }),
      drain: () => undefined,
      close: (conn, code, cause) => r.closes.push({ id: conn.data.id, code, cause, wasOpen: conn.isOpen }),
    },
  };
  return r;
}

async function open(d: TransportDriver, req?: ContractRequest): Promise<ContractPeer> {
  const c = await d.connect(req);
  if (!c.ok) throw new Error(`upgrade refused: ${c.status} ${c.body}`);
  return c.peer;
}

export function describeTransportContract(name: string, makeDriver: () => TransportDriver): void {
  describe(`WsTransport contract: ${name}`, () => {
    let d: TransportDriver;
    let r: Recorder;
    const start = async (opts: WsTransportOptions = OPTS): Promise<void> => {
      d = makeDriver();
      r = recorder();
      await d.start(opts, r.handlers);
    };
    afterEach(async () => {
      await d.close();
    });

    it('hands the upgrade request to the app and opens the connection with its state and chosen subprotocol', async () => {
      await start();
      const c = await d.connect({ path: '/evrmore', query: 'batch=1', protocol: 'chainfan.v1', authorization: 'Bearer k' });
      expect(c).toMatchObject({ ok: true, protocol: 'chainfan.v1' });
      await waitFor(() => r.opened.length === 1);
      expect(r.opened[0]!.data.req).toMatchObject({ url: '/evrmore', query: 'batch=1', protocol: 'chainfan.v1', authorization: 'Bearer k' });
      expect(r.opened[0]!.isOpen).toBe(true);
    });

    it('answers a refusal with its HTTP status and a JSON error body, and never opens', async () => {
      await start();
      r.decide = () => ({ reject: { status: 401, code: 4001, message: 'no key' } });
      const c = await d.connect();
      expect(c).toMatchObject({ ok: false, status: 401 });
      expect(JSON.parse((c as { body: string }).body)).toEqual({ type: 'error', data: { code: 4001, message: 'no key' } });
      expect(r.opened).toEqual([]);
    });

    it('waits for an asynchronous decision, and answers 500 when it fails', async () => {
      await start();
      r.decide = async (req, id) => {
        await Promise.resolve();
        return { accept: { id, req }, protocol: '' };
      };
      expect(await d.connect()).toMatchObject({ ok: true });
      r.decide = () => Promise.reject(new Error('store down'));
      expect(await d.connect()).toMatchObject({ ok: false, status: 500 });
      await waitFor(() => r.opened.length === 1);
    });

    it('delivers client frames as text or binary, and server frames to the client, in order', async () => {
      await start();
      const peer = await open(d);
      peer.send('one');
      peer.send(Buffer.from('two'));
      await waitFor(() => r.messages.length === 2);
      expect(r.messages).toEqual([{ id: 1, text: 'one', binary: false }, { id: 1, text: 'two', binary: true }]);
      const conn = r.opened[0]!;
      expect(conn.cork(() => [conn.send('a', false), conn.send('b', false)])).toEqual(['sent', 'sent']);
      await waitFor(() => peer.texts().length === 2);
      expect(peer.texts()).toEqual(['a', 'b']);
      expect(conn.bufferedAmount()).toBe(0);
    });

    it('publishes a topic to its subscribers only, and stops after unsubscribe', async () => {
      await start();
      const [p1, p2] = [await open(d), await open(d)];
      await waitFor(() => r.opened.length === 2);
      const [c1, c2] = r.opened as [WsConnection<Data>, WsConnection<Data>];
      c1.subscribe('blocks');
      d.publish('blocks', 'b1');
      c1.unsubscribe('blocks');
      d.publish('blocks', 'b2');
      // a direct frame after the publishes marks the point by which any published frame would have arrived
      c1.send('mark', false);
      c2.send('mark', false);
      await waitFor(() => p1.texts().includes('mark') && p2.texts().includes('mark'));
      expect(p1.texts()).toEqual(['b1', 'mark']);
      expect(p2.texts()).toEqual(['mark']);
    });

    it('end(): the close handler runs before end returns (cause local, no longer open); the client sees the code', async () => {
      await start();
      const peer = await open(d);
      await waitFor(() => r.opened.length === 1);
      const conn = r.opened[0]!;
      conn.end(4008, 'slow consumer');
      expect(r.closes).toEqual([{ id: 1, code: 4008, cause: 'local', wasOpen: false }]);
      expect(conn.isOpen).toBe(false);
      expect(conn.send('late', false)).toBe('dropped');
      conn.end(4000, 'again'); // no-op once closed
      expect(await waitFor(() => peer.closed())).toEqual({ code: 4008, reason: 'slow consumer' });
      expect(r.closes).toHaveLength(1);
    });

    it('a client close frame ends the connection with cause peer and its code', async () => {
      await start();
      const peer = await open(d);
      await waitFor(() => r.opened.length === 1);
      peer.close(4321, 'bye');
      await waitFor(() => r.closes.length === 1);
      expect(r.closes[0]).toEqual({ id: 1, code: 4321, cause: 'peer', wasOpen: false });
    });

    it('a client frame over maxPayloadBytes closes with 1009 (cause too_large), never reaching the app', async () => {
      await start();
      const peer = await open(d);
      await waitFor(() => r.opened.length === 1);
      peer.send('x'.repeat(OPTS.maxPayloadBytes + 1));
      expect(await waitFor(() => peer.closed())).toMatchObject({ code: 1009 });
      await waitFor(() => r.closes.length === 1);
      expect(r.closes[0]).toMatchObject({ cause: 'too_large' });
      expect(r.messages).toEqual([]);
    });

    it('a message handler that throws costs that connection (1011, reported to failed), not the transport or its other connections', async () => {
      await start();
      const failed: string[] = [];
      const message = r.handlers.message;
      Object.assign(r.handlers, {
        message: (conn: WsConnection<Data>, frame: ArrayBuffer, binary: boolean) => {
          if (Buffer.from(frame).toString() === 'boom') throw new Error('handler bug');
          message(conn, frame, binary);
        },
        failed: (where: string) => failed.push(where),
      });
      const [victim, other] = [await open(d), await open(d)];
      await waitFor(() => r.opened.length === 2);
      victim.send('boom');
      expect(await waitFor(() => victim.closed())).toMatchObject({ code: 1011 });
      expect(failed).toEqual(['message']);
      other.send('still here');
      await waitFor(() => r.messages.some((m) => m.text === 'still here'));
      expect(other.closed()).toBeUndefined();
    });

    it('close() stops listening and ends every connection through the close handler', async () => {
      await start();
      await open(d);
      await open(d);
      await waitFor(() => r.opened.length === 2);
      expect(d.listening()).toBe(true);
      await d.close();
      expect(d.listening()).toBe(false);
      await waitFor(() => r.closes.length === 2);
      expect(r.closes.every((c) => !c.wasOpen)).toBe(true);
    });
  });
}
