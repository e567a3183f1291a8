// Connections alone on the in-memory transport: admission at upgrade, the counts of open sockets, the close metrics
// and reasons, draining, and refusals that a dialect reports as close codes.
import { describe, expect, it } from 'vitest';
import { MemoryLeaseStore } from '@chainfan/bus';
import { CLOSE, ManualClock, RUSTORIUM_CODES, evrmoreRpcDialect, rustoriumDialect } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { Admission } from '../admission.js';
import { Authenticator } from '../auth/authenticator.js';
import { OriginPolicy } from '../auth/origin-policy.js';
import { type EdgeConfig, edgeConfig } from '../config.js';
import { DialectSelector } from '../dialect-select.js';
import { KeyLeases } from '../limits/key-leases.js';
import type { Session } from '../session.js';
import { metricValue } from '../testing/metric-value.js';
import { silentLog } from '../testing/silent-log.js';
import { MemoryTransport } from '../transport/memory-transport.js';
import { Connections } from './connections.js';

function setup(overrides: Partial<EdgeConfig> = {}) {
  const clock = new ManualClock(1_000_000);
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  const config = edgeConfig({ host: '127.0.0.1', port: 0, ...overrides });
  const opened: Session[] = [];
  const closed: Session[] = [];
  let refusing = false;
  /** runs between an upgrade's admission and its open (where a drain can begin) */
  let afterAdmission: (() => void) | undefined;
  const admission = new Admission({
    config,
    authenticator: Authenticator.open(clock, silentLog),
    origins: new OriginPolicy([]),
    leases: new KeyLeases({ store: new MemoryLeaseStore({ now: () => clock.now() }), ttlMs: 30_000, edgeId: 'e1', clock, log: silentLog, metrics }),
    metrics,
    log: silentLog,
  });
  const connections = new Connections({
    config, admission, metrics, clock, log: silentLog,
    selector: new DialectSelector([evrmoreRpcDialect, rustoriumDialect]),
    refusing: () => refusing,
    opened: (s) => opened.push(s),
    closed: (s) => closed.push(s),
    messages: () => 3,
  });
  const transport = new MemoryTransport<Session>(
    { maxPayloadBytes: 1024, idleTimeoutSeconds: 120, hardBackpressureBytes: 1 << 20, maxHttpBodyBytes: 1024, webSocketOnly: () => true },
    {
      upgrade: (req) => connections.upgrade(req).then((d) => {
        afterAdmission?.();
        return d;
      }),
      abandoned: (s) => connections.abandoned(s),
      open: (conn) => connections.open(conn),
      message: () => undefined,
      drain: () => undefined,
      close: (conn, code, cause) => connections.close(conn.data, code, cause),
    },
  );
  void transport.listen('127.0.0.1', 0);
  return {
    clock, metrics, admission, connections, transport, opened, closed,
    refuseAfterAdmission: () => {
      afterAdmission = () => {
        refusing = true;
      };
    },
  };
}

describe('Connections', () => {
  it('admits, counts open sockets per dialect, and on close counts the close by reason and gives the admission back', async () => {
    const h = setup();
    const a = await h.transport.connect({ url: '/' });
    const b = await h.transport.connect({ url: '/rustorium' });
    if (!a.ok || !b.ok) throw new Error('refused');
    expect(h.connections.size).toBe(2);
    expect(h.connections.byDialect()).toEqual({ 'evrmore-rpc': 1, rustorium: 1 });
    expect(h.opened.map((s) => s.dialect.name)).toEqual(['evrmore-rpc', 'rustorium']);
    expect(h.admission.reserved).toBe(2);
    h.clock.advance(4_000);
    a.peer.close();
    expect(h.closed).toEqual([a.peer.data]);
    expect(h.connections.byDialect()).toEqual({ 'evrmore-rpc': 0, rustorium: 1 });
    expect(h.admission.reserved).toBe(1);
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'client' })).toBe(1);
    expect(await metricValue(h.metrics.connections)).toBe(1);
    expect((await h.metrics.connectionLifetime.get()).values.find((v) => v.metricName?.endsWith('_sum'))?.value).toBe(4);
  });

  it('records the first reason the edge gives for ending a socket', async () => {
    const h = setup();
    const c = await h.transport.connect();
    if (!c.ok) throw new Error('refused');
    h.connections.handlerFailed('message', new Error('bug'), c.peer.data);
    h.connections.end(c.peer.data, CLOSE.internal, 'rate_limited');
    expect(c.peer.closed?.code).toBe(CLOSE.internal.code);
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'internal' })).toBe(1);
    expect(await metricValue(h.metrics.handlerFailures, { handler: 'message' })).toBe(1);
  });

  it('refuses upgrades with 503 while refusing, and closes with 1001 a socket that opens anyway', async () => {
    const h = setup();
    h.refuseAfterAdmission(); // admitted before the drain began; opens after
    const late = await h.transport.connect();
    expect(late.ok && late.peer.closed).toEqual({ code: CLOSE.goingAway.code, reason: CLOSE.goingAway.reason });
    const refused = await h.transport.connect();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.status).toBe(503);
    expect(h.opened).toEqual([]);
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'draining' })).toBe(1);
  });

  it('a dialect that reports refusals as close codes gets its socket, closed right after open with its own code', async () => {
    const h = setup({ maxConnectionsPerAddress: 1 });
    const first = await h.transport.connect({ url: '/rustorium' });
    const second = await h.transport.connect({ url: '/rustorium' });
    expect(first.ok && first.peer.closed).toBeUndefined();
    expect(second.ok && second.peer.closed).toEqual({ code: RUSTORIUM_CODES.rateLimited, reason: 'Rate limited' });
    expect(h.opened).toHaveLength(1);
    expect(h.admission.reserved).toBe(1);
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'rejected' })).toBe(1);
  });
});
