import { describe, expect, it } from 'vitest';
import { DEFAULT_EDGE_CONFIG, edgeConfig, edgeConfigFromEnv, loadEdgeEnv } from './config.js';

describe('edge config', () => {
  it('defaults to the evrmore-rpc port and limits', () => {
    expect(DEFAULT_EDGE_CONFIG).toMatchObject({ port: 8765, maxPayloadBytes: 1_048_576, idleTimeoutSeconds: 120, maxBackpressureBytes: 1_048_576, slowClientPolicy: 'close' });
    expect(Object.isFrozen(edgeConfig({ port: 0 }))).toBe(true);
  });

  it('lists every invalid option at once', () => {
    expect(() => edgeConfig({ port: 70_000, idleTimeoutSeconds: 4, drainBatchSize: 0 })).toThrow(
      expect.objectContaining({ code: 'CHAINFAN_CONFIG_INVALID', message: expect.stringMatching(/port.*idleTimeoutSeconds.*drainBatchSize/) }),
    );
  });

  it('parses CHAINFAN_* variables into the Edge options', () => {
    const env = loadEdgeEnv({ CHAINFAN_EDGE_PORT: '9000', CHAINFAN_EDGE_MAX_PAYLOAD_BYTES: '65536', CHAINFAN_BUS: 'memory' });
    expect(env.CHAINFAN_EDGE_OPS_PORT).toBe(9465);
    expect(edgeConfigFromEnv(env)).toMatchObject({ port: 9000, maxPayloadBytes: 65_536, idleTimeoutSeconds: 120 });
    expect(() => loadEdgeEnv({ CHAINFAN_EDGE_PORT: 'x', CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS: '3' })).toThrow(/CHAINFAN_EDGE_PORT[\s\S]*CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS/);
  });
});
