import { describe, expect, it } from 'vitest';
import { ChainfanError } from '@chainfan/protocol';
import { bool, int, oneOf, parseEnv, url } from './env-config.js';

const table = {
  CHAINFAN_PORT: int({ min: 0, max: 65535, default: 8765 }),
  CHAINFAN_POLICY: oneOf(['close', 'drop-and-resync'] as const, { default: 'close' }),
  CHAINFAN_REDIS_URL: url({ protocols: ['redis:', 'rediss:'], optional: true }),
  CHAINFAN_VERBOSE: bool({ default: false }),
};

describe('parseEnv', () => {
  it('applies defaults and parses values', () => {
    expect(parseEnv(table, { CHAINFAN_PORT: '9000', CHAINFAN_VERBOSE: 'yes' })).toEqual({
      CHAINFAN_PORT: 9000, CHAINFAN_POLICY: 'close', CHAINFAN_REDIS_URL: undefined, CHAINFAN_VERBOSE: true,
    });
  });

  it('reports every bad variable at once, by name', () => {
    let err: unknown;
    try {
      parseEnv(table, { CHAINFAN_PORT: '99999', CHAINFAN_POLICY: 'maybe', CHAINFAN_REDIS_URL: 'http://x', CHAINFAN_VERBOSE: 'perhaps' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChainfanError);
    const e = err as ChainfanError;
    expect(e.code).toBe('CHAINFAN_CONFIG_INVALID');
    for (const name of ['CHAINFAN_PORT', 'CHAINFAN_POLICY', 'CHAINFAN_REDIS_URL', 'CHAINFAN_VERBOSE']) expect(e.message).toContain(name);
  });
});
