// ZION's HTTP JSON-RPC methods (its published API) on the edge's public port: `subscribe_events` (where to
// connect for the channels), `get_websocket_status` (cluster-wide numbers from every edge's registry snapshot) and
// `broadcast_event` (admins only: published on the bus `ctl` channel, so every ZION socket on every edge gets it).
import type { Bus } from '@chainfan/bus';
import { ZION_CHANNELS, zionChannelTarget } from '@chainfan/protocol';
import type { Logger } from '@chainfan/telemetry';
import type { Authenticator } from '../auth/authenticator.js';
import { extractCredential } from '../auth/credentials.js';
import type { Clock } from '../clock.js';
import type { ClusterStats } from '../cluster/cluster-stats.js';
import type { HttpAnswer, HttpPostRequest } from '../transport/ws-transport.js';
import { errorResponse, JSON_RPC, member, parseBody, resultResponse, type RpcCall } from './json-rpc.js';

/** Event types name events, not payloads: short and plain. */
const EVENT_TYPE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface ZionApiOptions {
  readonly bus: Bus;
  readonly cluster: ClusterStats;
  readonly authenticator: Authenticator;
  readonly clock: Clock;
  readonly log: Logger;
  /** the bind address and port reported as websocket_host/websocket_port */
  readonly host: string;
  readonly port: () => number;
  /** configured public ws(s):// base URL; undefined: built from the request's Host */
  readonly publicUrl: string | undefined;
  /** path ZION clients connect to */
  readonly path: string;
}

type Outcome = { readonly result: unknown } | { readonly error: { code: number; message: string }; readonly status?: number };

export class ZionApi {
  readonly #o: ZionApiOptions;

  constructor(o: ZionApiOptions) {
    this.#o = o;
  }

  async handle(req: HttpPostRequest): Promise<HttpAnswer> {
    const parsed = parseBody(req.body);
    if (!parsed.ok) return { status: parsed.status, body: errorResponse(null, parsed.error) };
    const answers: string[] = [];
    let status = 200;
    for (const c of parsed.calls) {
      if ('invalid' in c) {
        answers.push(errorResponse(c.id, JSON_RPC.invalidRequest));
        continue;
      }
      const out = await this.#call(c, req);
      if (c.id === undefined) continue; // a notification: executed, not answered
      if ('result' in out) {
        answers.push(resultResponse(c.id, out.result));
      } else {
        answers.push(errorResponse(c.id, out.error));
        if (!parsed.batch && out.status !== undefined) status = out.status;
      }
    }
    if (answers.length === 0) return { status: 204, body: '' };
    return { status, body: parsed.batch ? `[${answers.join(',')}]` : answers[0]! };
  }

  async #call(c: RpcCall, req: HttpPostRequest): Promise<Outcome> {
    switch (c.method) {
      case 'subscribe_events':
        return (await this.#principal(req)) ?? this.#subscribeEvents(c.params, req);
      case 'get_websocket_status':
        return (await this.#principal(req)) ?? this.#status();
      case 'broadcast_event':
        return (await this.#principal(req, true)) ?? this.#broadcast(c.params);
      default:
        return { error: JSON_RPC.methodNotFound };
    }
  }

  /** undefined when the caller may go on; reuses the WebSocket admission's credentials (Bearer or ?token=). */
  async #principal(req: HttpPostRequest, admin = false): Promise<Outcome | undefined> {
    const { credential } = extractCredential({ ...req, protocol: '', forwardedFor: '', url: req.url });
    const auth = await this.#o.authenticator.authenticate(credential);
    if (!auth.ok) return { error: JSON_RPC.unauthorized, status: auth.reject === 'authUnavailable' ? 503 : 401 };
    if (!admin || auth.principal.admin) return undefined;
    if (this.#o.log.isLevelEnabled('info')) this.#o.log.info({ event: 'zion.broadcast_refused', principal: auth.principal.id ?? 'anonymous' }, 'broadcast_event by a non-admin');
    return auth.principal.kind === 'anonymous' ? { error: JSON_RPC.unauthorized, status: 401 } : { error: JSON_RPC.forbidden, status: 403 };
  }

  #subscribeEvents(params: RpcCall['params'], req: HttpPostRequest): Outcome {
    const raw = Array.isArray(params) ? params[0] : member(params, 'channels');
    const channels = raw === undefined ? ZION_CHANNELS : raw;
    if (!Array.isArray(channels) || channels.length > ZION_CHANNELS.length * 2) return { error: { ...JSON_RPC.invalidParams, message: 'channels must be a list of channel names' } };
    const unknown = channels.find((c) => typeof c !== 'string' || zionChannelTarget(c) === undefined);
    if (unknown !== undefined) return { error: { ...JSON_RPC.invalidParams, message: `Unknown channel: ${String(unknown).slice(0, 64)}` } };
    const base = this.#o.publicUrl ?? `ws://${req.host === '' ? `${this.#o.host}:${this.#o.port()}` : req.host}`;
    return {
      result: {
        status: 'subscribed',
        channels,
        websocket_url: `${base.replace(/\/$/, '')}${this.#o.path}`,
        message: 'Use WebSocket connection for real-time updates',
      },
    };
  }

  async #status(): Promise<Outcome> {
    const s = await this.#o.cluster.read();
    return {
      result: {
        websocket_enabled: true,
        websocket_host: this.#o.host,
        websocket_port: this.#o.port(),
        connected_clients: s.connections,
        server_running: true,
        edges: s.edges,
        clients_by_dialect: s.byDialect,
        subscriptions: s.subscriptions,
        cluster_complete: !s.partial,
      },
    };
  }

  async #broadcast(params: RpcCall['params']): Promise<Outcome> {
    const [eventType, data] = Array.isArray(params)
      ? [params[0], params[1]]
      : [member(params, 'event_type'), member(params, 'data')];
    if (typeof eventType !== 'string' || !EVENT_TYPE_RE.test(eventType)) {
      return { error: { ...JSON_RPC.invalidParams, message: 'event_type must match [A-Za-z0-9_.:-]{1,64}' } };
    }
    const now = this.#o.clock.now();
    // `event_type` first: every edge splices this body into `{"type":"event",…}` without parsing it
    const body = JSON.stringify({ event_type: eventType, data: data ?? null, timestamp: Math.floor(now / 1000) });
    try {
      const r = await this.#o.bus.publish({ channel: 'ctl', kind: 'broadcast', ts: now, body });
      this.#o.log.info({ event: 'zion.broadcast', eventType, seq: r.seq }, 'admin broadcast published');
      return { result: { status: 'broadcast', event_type: eventType, epoch: r.epoch, seq: r.seq } };
    } catch (err) {
      this.#o.log.warn({ event: 'zion.broadcast_failed', err }, 'admin broadcast not published');
      return { error: { ...JSON_RPC.internal, message: 'bus unavailable, retry later' }, status: 503 };
    }
  }
}
