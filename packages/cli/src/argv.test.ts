import { describe, expect, it } from 'vitest';
import { envToFlag, flagToEnv, nearest, parseArgs } from './argv.js';

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
    expect(() => parseArgs(['--nope', '1', '--zzzzzz'], known, {})).toThrow(/unknown options: --nope, --zzzzzz \(see --help\)/);
  });

  it('suggests the nearest flag for a typo, and nothing for a flag far from every other', () => {
    expect(() => parseArgs(['--edge-prot', '1'], known, {})).toThrow('unknown option: --edge-prot (did you mean --edge-port?) (see --help)');
    expect(() => parseArgs(['--redis-ulr=x'], known, {})).toThrow(/did you mean --redis-url\?/);
    expect(nearest('--verbos', ['--redis-url', '--edge-port', '--verbose'])).toBe('--verbose');
    expect(nearest('--port', ['--redis-url', '--edge-port'])).toBeUndefined(); // 5 edits: a guess, not a typo
    expect(nearest('--x'.repeat(10_000), ['--edge-port'])).toBeUndefined(); // bounded work on hostile input
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
