import { describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { ManualClock } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry, optionRows } from '@chainfan/telemetry';
import { INGESTOR_DEFAULTS, ingestorEnv, ingestorTuning, ingestorTuningFromEnv, loadIngestorConfig } from './config.js';
import { Ingestor } from './ingestor.js';
import type { ChainRpc } from './rpc/rpc-client.js';
import { ScriptedChainSource } from './source/scripted-chain-source.js';

describe('ingestor config', () => {
  it('binds the ops endpoints (no auth) to loopback unless CHAINFAN_OPS_HOST says otherwise', () => {
    expect(loadIngestorConfig({}).CHAINFAN_OPS_HOST).toBe('127.0.0.1');
    expect(loadIngestorConfig({ CHAINFAN_OPS_HOST: '0.0.0.0' }).CHAINFAN_OPS_HOST).toBe('0.0.0.0');
    expect(ingestorEnv.CHAINFAN_OPS_HOST.help).toContain('loopback unless set');
  });
});

describe('the ingestor config table is the one source of the tuning options', () => {
  const rows = optionRows(ingestorEnv);

  it('defaults are what unset variables parse to, one row per option key', () => {
    expect(ingestorTuningFromEnv(loadIngestorConfig({}))).toEqual(INGESTOR_DEFAULTS);
    expect(INGESTOR_DEFAULTS).toEqual({ mempoolIntervalMs: 5_000, confirmations: 6, pollIntervalMs: 5_000, leaseTtlMs: 3_000, networkIntervalMs: 2_000, peersIntervalMs: 10_000 });
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it('programmatic options meet the variables\' bounds, and the error names both', () => {
    for (const { name, key, field: f } of rows) {
      const { min, max } = f as { min?: number; max?: number };
      if (min !== undefined) expect(() => ingestorTuning({ [key]: min - 1 }), key).toThrow(new RegExp(`${key} must be >= ${min}.*${name}`));
      if (max !== undefined) expect(() => ingestorTuning({ [key]: max + 1 }), key).toThrow(new RegExp(`${key} must be <= ${max}.*${name}`));
    }
    expect(ingestorTuning({ pollIntervalMs: 0, leaseTtlMs: 600 })).toMatchObject({ pollIntervalMs: 0, leaseTtlMs: 600, confirmations: 6 });
  });

  it('an Ingestor built with an out-of-bounds option does not start', () => {
    const bus = new MemoryBus();
    const o = {
      source: new ScriptedChainSource(new ManualClock()), rpc: { call: () => Promise.reject(new Error('unused')), batch: async () => [], batchSettled: async () => [] } as ChainRpc, bus,
      network: NETWORKS['evrmore-main'], log: createLogger({ service: 'test', level: 'silent' }), metrics: createIngestorMetrics(createRegistry({ defaultMetrics: false })),
    } as const;
    expect(() => new Ingestor({ ...o, confirmations: 0, leaseTtlMs: 100 })).toThrow(/confirmations must be >= 1.*CHAINFAN_CONFIRMATIONS.*leaseTtlMs must be >= 500/);
    void bus.close();
  });
});
