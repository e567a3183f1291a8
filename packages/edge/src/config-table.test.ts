import { describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { createEdgeMetrics, createRegistry, optionRows } from '@chainfan/telemetry';
import { DEFAULT_EDGE_CONFIG, type EdgeConfig, edgeConfig, edgeConfigFromEnv, edgeEnv, loadEdgeEnv } from './config.js';
import { Edge } from './edge.js';
import { silentLog } from './testing/silent-log.js';

// The Edge's options have exactly one source: the option rows of `edgeEnv`. Type, defaults, bounds and env parsing
// are derived from it; these tests fail when a second copy of any of them appears or drifts.
const rows = optionRows(edgeEnv);
const keyOf = new Map(rows.map(([name, key]) => [key, name]));

/** Every key the EdgeConfig type has: a compile error here means the type gained a key no row declares. */
const TYPE_KEYS = {
  host: true, port: true, maxPayloadBytes: true, idleTimeoutSeconds: true, maxBackpressureBytes: true, slowClientPolicy: true,
  backpressureCheckIntervalMs: true, maxEventFrameBytes: true, maxSubscriptionsPerConnection: true, maxPendingCommands: true,
  drainBatchSize: true, staticDir: true, maxConnections: true, maxConnectionsPerAddress: true, maxConnectionsPerKey: true,
  keyLeaseTtlMs: true, maxTopicLength: true, messageRatePerSecond: true, messageBurst: true, trustForwardedFor: true,
  recentMessagesPerChannel: true, recentBytesPerChannel: true, maxHeldMessagesPerChannel: true, historyPageSize: true,
  recoveryTimeoutMs: true, statsIntervalMs: true, publicUrl: true, maxHttpBodyBytes: true,
} satisfies Record<keyof EdgeConfig, true>;

describe('the edge config table is the one source of the Edge options', () => {
  it('has one row per EdgeConfig key and no key twice', () => {
    expect(rows.map(([, key]) => key).sort()).toEqual(Object.keys(TYPE_KEYS).sort());
    expect(keyOf.size).toBe(rows.length);
  });

  it('its defaults object is exactly what unset variables parse to', () => {
    expect(edgeConfigFromEnv(loadEdgeEnv({}))).toEqual(DEFAULT_EDGE_CONFIG);
    expect(edgeConfig()).toEqual(DEFAULT_EDGE_CONFIG);
    for (const [name, key, f] of rows) {
      const parsed = f.parse(undefined, name);
      expect(parsed.ok, name).toBe(true);
      if (parsed.ok) expect((DEFAULT_EDGE_CONFIG as Record<string, unknown>)[key], name).toEqual(parsed.value);
    }
    expect(Object.isFrozen(DEFAULT_EDGE_CONFIG)).toBe(true);
  });

  it('programmatic options meet the same bounds as the variables, and the error names both', () => {
    let checked = 0;
    for (const [name, key, f] of rows) {
      const { min, max } = f as { min?: number; max?: number };
      if (min !== undefined) {
        expect(() => loadEdgeEnv({ [name]: String(min - 1) }), name).toThrow(name);
        expect(() => edgeConfig({ [key]: min - 1 } as Partial<EdgeConfig>), key).toThrow(new RegExp(`${key} must be >= ${min}.*${name}`));
        expect(edgeConfig({ [key]: min } as Partial<EdgeConfig>)[key as keyof EdgeConfig]).toBe(min);
        checked++;
      }
      if (max !== undefined) {
        expect(() => loadEdgeEnv({ [name]: String(max + 1) }), name).toThrow(name);
        expect(() => edgeConfig({ [key]: max + 1 } as Partial<EdgeConfig>), key).toThrow(new RegExp(`${key} must be <= ${max}.*${name}`));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40); // every numeric option has both bounds
  });

  it('refuses wrong types, unknown policies, fractions and unknown keys', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ port: 80.5 }, /port must be an integer/],
      [{ port: '80' }, /port must be an integer/],
      [{ slowClientPolicy: 'ignore' }, /slowClientPolicy must be one of close, drop-and-resync/],
      [{ trustForwardedFor: 'yes' }, /trustForwardedFor must be true or false/],
      [{ publicUrl: 'http://x' }, /publicUrl has an invalid value/],
      [{ maxConnection: 3 }, /unknown edge option "maxConnection"/],
      [{ keyLeaseTtlMs: 300 }, /keyLeaseTtlMs must be >= 1000/],
    ];
    for (const [overrides, message] of bad) expect(() => edgeConfig(overrides as Partial<EdgeConfig>), JSON.stringify(overrides)).toThrow(message);
  });

  it('optional options are absent by default and when their variable is empty', () => {
    expect('staticDir' in DEFAULT_EDGE_CONFIG).toBe(false);
    expect('publicUrl' in edgeConfigFromEnv(loadEdgeEnv({ CHAINFAN_EDGE_PUBLIC_URL: '' }))).toBe(false);
    expect(edgeConfigFromEnv(loadEdgeEnv({ CHAINFAN_EDGE_STATIC_DIR: '/srv/www', CHAINFAN_EDGE_PUBLIC_URL: 'wss://s.example' })))
      .toMatchObject({ staticDir: '/srv/www', publicUrl: 'wss://s.example' });
    expect(edgeConfig({ staticDir: '/srv/www' }).staticDir).toBe('/srv/www');
  });

  it('an Edge built from a hand-written config object meets the same bounds', async () => {
    const bus = new MemoryBus();
    const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
    const config = { ...DEFAULT_EDGE_CONFIG, port: 0, keyLeaseTtlMs: 300, maxPayloadBytes: 10 };
    expect(() => new Edge({ bus, log: silentLog, metrics, config })).toThrow(
      expect.objectContaining({ code: 'CHAINFAN_CONFIG_INVALID', message: expect.stringMatching(/maxPayloadBytes.*keyLeaseTtlMs/) }),
    );
    await bus.close();
  });
});
