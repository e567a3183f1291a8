import { describe, expect, it } from 'vitest';
import { ingestorEnv, loadIngestorConfig } from './config.js';

describe('ingestor config', () => {
  it('binds the ops endpoints (no auth) to loopback unless CHAINFAN_OPS_HOST says otherwise', () => {
    expect(loadIngestorConfig({}).CHAINFAN_OPS_HOST).toBe('127.0.0.1');
    expect(loadIngestorConfig({ CHAINFAN_OPS_HOST: '0.0.0.0' }).CHAINFAN_OPS_HOST).toBe('0.0.0.0');
    expect(ingestorEnv.CHAINFAN_OPS_HOST.help).toContain('loopback unless set');
  });
});
