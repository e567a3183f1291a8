import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_DEPTH, jsonTooDeep, parseJsonBounded } from './json-bounded.js';

describe('bounded JSON parsing', () => {
  it('parses documents within the size and depth limits', () => {
    expect(parseJsonBounded('{"a":[1,{"b":2}]}', { maxBytes: 100 })).toEqual({ ok: true, value: { a: [1, { b: 2 }] } });
    expect(parseJsonBounded(Buffer.from('[1]'), { maxBytes: 3 })).toEqual({ ok: true, value: [1] });
  });

  it('refuses nesting past the depth limit before parsing, wherever it is', () => {
    const at = (d: number): string => `${'['.repeat(d)}${']'.repeat(d)}`;
    expect(parseJsonBounded(at(DEFAULT_MAX_JSON_DEPTH), { maxBytes: 1_000 }).ok).toBe(true);
    expect(parseJsonBounded(at(DEFAULT_MAX_JSON_DEPTH + 1), { maxBytes: 1_000 })).toEqual({ ok: false, error: 'too_deep' });
    expect(parseJsonBounded(`{"x":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}`, { maxBytes: 100_000 })).toEqual({ ok: false, error: 'too_deep' });
    expect(parseJsonBounded('[[[1]]]', { maxBytes: 100, maxDepth: 2 })).toEqual({ ok: false, error: 'too_deep' });
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonTooDeep(JSON.stringify({ s: '[[[[[[[[[[\\"[[[[' }), 2)).toBe(false);
    expect(parseJsonBounded(JSON.stringify(['"[[[[[[[', '\\']), { maxBytes: 100, maxDepth: 1 }).ok).toBe(true);
  });

  it('refuses oversize input, invalid UTF-8 and garbage with a reason, never a throw', () => {
    expect(parseJsonBounded('[1,2,3]', { maxBytes: 6 })).toEqual({ ok: false, error: 'too_large' });
    expect(parseJsonBounded(Uint8Array.from([0x22, 0xff, 0x22]), { maxBytes: 10 })).toEqual({ ok: false, error: 'invalid_json' });
    expect(parseJsonBounded('{"a":', { maxBytes: 10 })).toEqual({ ok: false, error: 'invalid_json' });
  });

  it('keeps __proto__ an own data property, never the prototype', () => {
    const r = parseJsonBounded('{"__proto__":{"polluted":1}}', { maxBytes: 100 });
    expect(r.ok && Object.hasOwn(r.value as object, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
