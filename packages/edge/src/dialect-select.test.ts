import { describe, expect, it } from 'vitest';
import { chainfanDialect, evrmoreRpcDialect, rustoriumDialect, theBlockDialect } from '@chainfan/protocol';
import { DialectSelector, selectDialect } from './dialect-select.js';

const dialects = [evrmoreRpcDialect, chainfanDialect, theBlockDialect, rustoriumDialect] as const;

describe('DialectSelector', () => {
  it('defaults to the first dialect for any path, as evrmore-rpc clients connect anywhere', () => {
    expect(selectDialect({ url: '/', query: '' }, dialects)).toBe(evrmoreRpcDialect);
    expect(selectDialect({ url: '/anything/else', query: 'a=b' }, dialects)).toBe(evrmoreRpcDialect);
  });

  it('picks a dialect by ?dialect= first, then by the first path segment', () => {
    expect(selectDialect({ url: '/', query: 'dialect=chainfan' }, dialects)).toBe(chainfanDialect);
    expect(selectDialect({ url: '/theblock', query: '' }, dialects)).toBe(theBlockDialect);
    expect(selectDialect({ url: '/theblock/ws', query: '' }, dialects)).toBe(theBlockDialect);
    expect(selectDialect({ url: '/chainfan', query: 'dialect=evrmore-rpc' }, dialects)).toBe(evrmoreRpcDialect);
    expect(selectDialect({ url: '/', query: 'dialect=%zz&dialect=nope' }, dialects)).toBe(evrmoreRpcDialect);
  });

  it('serves configured aliases (Rustorium\'s documented /ws) and a configurable default', () => {
    const s = new DialectSelector([chainfanDialect, evrmoreRpcDialect, rustoriumDialect], new Map([['ws', 'rustorium'], ['x', 'unknown']]));
    expect(s.select({ url: '/ws', query: 'token=k' })).toBe(rustoriumDialect);
    expect(s.select({ url: '/', query: '' })).toBe(chainfanDialect);
    expect(s.select({ url: '/x', query: '' })).toBe(chainfanDialect);
    expect(s.select({ url: '/ws', query: 'token=k&dialect=evrmore-rpc' })).toBe(evrmoreRpcDialect);
  });
});
