import { describe, expect, it } from 'vitest';
import { type ConfigOf, configFromEnv, configOf, defaultsOf, option } from './config-table.js';
import { bool, int, num, oneOf, parseEnv, str, url } from './env-config.js';

const table = {
  CHAINFAN_T_PORT: option('port', int({ min: 0, max: 65_535, default: 8765 })),
  CHAINFAN_T_RATE: option('rate', num({ min: 0, max: 10, default: 2.5 })),
  CHAINFAN_T_MODE: option('mode', oneOf(['a', 'b'] as const, { default: 'a' })),
  CHAINFAN_T_ON: option('on', bool({ default: false })),
  CHAINFAN_T_DIR: option('dir', str({ default: '' }), { blankAsUnset: true }),
  CHAINFAN_T_OTHER: option('other', int({ min: 1, default: 3 }), { group: 'other' }),
  CHAINFAN_T_NOT_AN_OPTION: url({ protocols: ['http:'], optional: true }),
} as const;
type T = ConfigOf<typeof table>;

describe('config tables', () => {
  it('derive the typed config: option rows only, unset-able rows optional', () => {
    const c: T = { port: 1, rate: 0, mode: 'b', on: true };
    expect(defaultsOf(table)).toEqual({ port: 8765, rate: 2.5, mode: 'a', on: false });
    expect(configOf(table, 't', c)).toEqual(c);
    expect(configFromEnv(table, parseEnv(table, { CHAINFAN_T_PORT: '80', CHAINFAN_T_DIR: '/x', CHAINFAN_T_NOT_AN_OPTION: 'http://h' })))
      .toEqual({ port: 80, rate: 2.5, mode: 'a', on: false, dir: '/x' });
  });

  it('check typed values with the bounds that parse strings, and list every problem at once', () => {
    expect(() => parseEnv(table, { CHAINFAN_T_PORT: '70000' })).toThrow('CHAINFAN_T_PORT must be <= 65535, got 70000');
    let err: unknown;
    try {
      configOf(table, 't', { port: 70_000, rate: Number.NaN, mode: 'c' as 'a', on: 1 as unknown as boolean, dir: 5 as unknown as string, extra: 1 } as Partial<T>);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CHAINFAN_CONFIG_INVALID' });
    const message = (err as Error).message;
    for (const part of ['unknown t option "extra"', 'port must be <= 65535, got 70000 (CHAINFAN_T_PORT)', 'rate must be a number', 'mode must be one of a, b', 'on must be true or false', 'dir must be a string']) {
      expect(message).toContain(part);
    }
  });

  it('an explicit undefined removes an optional option but is refused for a required one', () => {
    expect('dir' in configOf(table, 't', { dir: undefined } as unknown as Partial<T>)).toBe(false);
    expect(() => configOf(table, 't', { port: undefined } as unknown as Partial<T>)).toThrow(/port must be an integer/);
  });
});
