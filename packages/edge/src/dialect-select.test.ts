import { describe, expect, it } from 'vitest';
import { evrmoreRpcDialect, type Dialect } from '@chainfan/protocol';
import { selectDialect } from './dialect-select.js';

const other: Dialect = { ...evrmoreRpcDialect, name: 'native' };
const dialects = [evrmoreRpcDialect, other] as const;

describe('selectDialect', () => {
  it('defaults to the first dialect for any path, as evrmore-rpc clients connect anywhere', () => {
    expect(selectDialect({ url: '/', query: '' }, dialects)).toBe(evrmoreRpcDialect);
    expect(selectDialect({ url: '/ws/anything', query: 'a=b' }, dialects)).toBe(evrmoreRpcDialect);
  });

  it('picks a dialect by ?dialect= first, then by the first path segment', () => {
    expect(selectDialect({ url: '/', query: 'dialect=native' }, dialects)).toBe(other);
    expect(selectDialect({ url: '/native', query: '' }, dialects)).toBe(other);
    expect(selectDialect({ url: '/native', query: 'dialect=evrmore-rpc' }, dialects)).toBe(evrmoreRpcDialect);
    expect(selectDialect({ url: '/', query: 'dialect=%zz&dialect=nope' }, dialects)).toBe(evrmoreRpcDialect);
  });
});
