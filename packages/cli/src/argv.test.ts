import { describe, expect, it } from 'vitest';
import { envToFlag, flagToEnv, parseArgs } from './argv.js';

describe('flags ↔ CHAINFAN_* variables', () => {
  const known = ['CHAINFAN_REDIS_URL', 'CHAINFAN_EDGE_PORT', 'CHAINFAN_VERBOSE'];

  it('maps both spellings', () => {
    expect(flagToEnv('--redis-url')).toBe('CHAINFAN_REDIS_URL');
    expect(envToFlag('CHAINFAN_EDGE_PORT')).toBe('--edge-port');
  });

  it('lets flags override the environment', () => {
    const p = parseArgs(['extra', '--edge-port', '9000', '--redis-url=redis://x:1', '--verbose'], known, { CHAINFAN_EDGE_PORT: '1' });
    expect(p.env).toMatchObject({ CHAINFAN_EDGE_PORT: '9000', CHAINFAN_REDIS_URL: 'redis://x:1', CHAINFAN_VERBOSE: 'true' });
    expect(p.positional).toEqual(['extra']);
  });

  it('names every unknown flag', () => {
    expect(() => parseArgs(['--nope', '1', '--other'], known, {})).toThrow(/--nope, --other/);
  });
});

describe('boolean switches', () => {
  it('never take the next word as their value', () => {
    const p = parseArgs(['--json', 'blocks', 'address:x', '--url', 'ws://h/'], ['CHAINFAN_JSON', 'CHAINFAN_URL'], {}, ['CHAINFAN_JSON']);
    expect(p.env).toMatchObject({ CHAINFAN_JSON: 'true', CHAINFAN_URL: 'ws://h/' });
    expect(p.positional).toEqual(['blocks', 'address:x']);
    expect(parseArgs(['--json=false'], ['CHAINFAN_JSON'], {}, ['CHAINFAN_JSON']).env['CHAINFAN_JSON']).toBe('false');
  });
});
