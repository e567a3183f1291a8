import { describe, expect, it } from 'vitest';
import { authConfigFromEnv, DEFAULT_EDGE_CONFIG, edgeConfig, edgeConfigFromEnv, loadEdgeEnv } from './config.js';

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

  it('parses the admission, limit and recovery variables', () => {
    const env = loadEdgeEnv({
      CHAINFAN_EDGE_SLOW_CLIENT_POLICY: 'drop-and-resync', CHAINFAN_EDGE_MAX_CONNECTIONS_PER_KEY: '5', CHAINFAN_EDGE_API_KEYS: 'a, b ,sha256:00',
      CHAINFAN_EDGE_ANONYMOUS_TOPICS: 'blocks,address:*', CHAINFAN_EDGE_ALLOWED_ORIGINS: '', CHAINFAN_EDGE_JWKS_URL: 'https://issuer.example/jwks.json',
    });
    expect(edgeConfigFromEnv(env)).toMatchObject({ slowClientPolicy: 'drop-and-resync', maxConnectionsPerKey: 5, maxConnections: 0, recentMessagesPerChannel: 1_024 });
    expect(authConfigFromEnv(env)).toMatchObject({
      apiKeys: ['a', 'b', 'sha256:00'], anonymousTopics: ['blocks', 'address:*'], allowedOrigins: [], jwksUrl: 'https://issuer.example/jwks.json', jwtRequireExp: true,
    });
    expect(authConfigFromEnv(loadEdgeEnv({})).anonymousTopics).toEqual(['*']);
    expect(() => loadEdgeEnv({ CHAINFAN_EDGE_SLOW_CLIENT_POLICY: 'ignore', CHAINFAN_EDGE_JWKS_URL: 'ftp://x', CHAINFAN_EDGE_MAX_TOPIC_LENGTH: '500' }))
      .toThrow(/CHAINFAN_EDGE_SLOW_CLIENT_POLICY[\s\S]*CHAINFAN_EDGE_MAX_TOPIC_LENGTH[\s\S]*CHAINFAN_EDGE_JWKS_URL/);
    expect(() => edgeConfig({ recentMessagesPerChannel: 10, maxConnections: -1 })).toThrow(/maxConnections[\s\S]*recentMessagesPerChannel/);
  });
});
