import { describe, expect, it } from 'vitest';
import { maskUrl, rootCause } from './mask-url.js';

describe('maskUrl', () => {
  it('hides passwords and bare Redis tokens, keeps host, port and path', () => {
    expect(maskUrl('redis://:s3cret@redis.internal:6380/2')).toBe('redis://:***@redis.internal:6380/2');
    expect(maskUrl('redis://default:s3cret@127.0.0.1:6379')).toBe('redis://default:***@127.0.0.1:6379');
    expect(maskUrl('rediss://tok3n@cache.example:6379')).toBe('rediss://***@cache.example:6379');
    expect(maskUrl('http://rpcuser:rpcpass@10.0.0.5:8819/')).toBe('http://rpcuser:***@10.0.0.5:8819/');
    expect(maskUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
  it('never echoes what it cannot parse', () => {
    expect(maskUrl('not a url with s3cret')).toBe('(unparseable URL)');
  });
});

describe('rootCause', () => {
  it('follows causes and aggregate errors to the innermost message, with its code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8819'), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: new AggregateError([refused], '') });
    expect(rootCause(new Error('getblockcount: node unreachable', { cause: fetchFailed }))).toBe('connect ECONNREFUSED 127.0.0.1:8819');
    expect(rootCause(Object.assign(new Error('getaddrinfo failed'), { code: 'ENOTFOUND' }))).toBe('ENOTFOUND: getaddrinfo failed');
    expect(rootCause('plain')).toBe('plain');
  });
  it('stops on a cycle of causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(['a', 'b']).toContain(rootCause(a));
  });
});
