import { describe, expect, it } from 'vitest';
import { parseTopic, type Topic } from '@chainfan/protocol';
import type { UpgradeRequest } from '../transport/ws-transport.js';
import { extractCredential } from './credentials.js';
import { OriginPolicy } from './origin-policy.js';
import { TopicAcl } from './topic-acl.js';

const topic = (raw: string): Topic => {
  const t = parseTopic(raw);
  if (!t.ok) throw new Error(raw);
  return t.value;
};
const ADDR = 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1';

describe('TopicAcl', () => {
  it('matches exact keys (either spelling), prefixes and *', () => {
    const acl = new TopicAcl(['block', 'address:*', 'asset:MY*']);
    expect(acl.allows(topic('blocks'))).toBe(true);
    expect(acl.allows(topic(`address:${ADDR}`))).toBe(true);
    expect(acl.allows(topic('asset:MYCOIN'))).toBe(true);
    expect(acl.allows(topic('asset:OTHER'))).toBe(false);
    expect(acl.allows(topic('transactions'))).toBe(false);
    expect(acl.allows(topic('all'))).toBe(false);
    expect(TopicAcl.ALL.allows(topic('all'))).toBe(true);
    expect(TopicAcl.NONE.allowsAnything).toBe(false);
  });

  it('reads an untrusted claim: only strings count, anything else grants nothing', () => {
    expect(TopicAcl.fromClaim(['blocks', 7, { x: 1 }]).allows(topic('blocks'))).toBe(true);
    expect(TopicAcl.fromClaim('blocks').allowsAnything).toBe(false);
    expect(TopicAcl.fromClaim(null).allows(topic('blocks'))).toBe(false);
  });
});

describe('OriginPolicy', () => {
  it('allows listed origins, subdomain wildcards, and requests without Origin', () => {
    const p = new OriginPolicy(['https://app.example.com', 'https://*.example.org']);
    expect(p.allows('https://app.example.com')).toBe(true);
    expect(p.allows('HTTPS://APP.EXAMPLE.COM')).toBe(true);
    expect(p.allows('https://a.b.example.org')).toBe(true);
    expect(p.allows('https://a.example.org:8443')).toBe(true);
    expect(p.allows('https://example.org')).toBe(false);
    expect(p.allows('https://evil-example.org')).toBe(false);
    expect(p.allows('http://a.example.org')).toBe(false);
    expect(p.allows('https://app.example.com.evil.net')).toBe(false);
    expect(p.allows(undefined)).toBe(true);
    expect(p.allows('')).toBe(true);
    expect(new OriginPolicy([]).allows('https://anything')).toBe(true);
  });
});

describe('credentials at upgrade', () => {
  const req = (over: Partial<UpgradeRequest>): UpgradeRequest => ({
    url: '/', query: '', origin: '', authorization: '', protocol: '', forwardedFor: '', remoteAddress: '127.0.0.1', ...over,
  });

  it('takes the token from Authorization, ?token= or a bearer.<token> subprotocol', () => {
    expect(extractCredential(req({ authorization: 'Bearer abc.def' }))).toEqual({ credential: { token: 'abc.def', source: 'header' }, protocol: '' });
    expect(extractCredential(req({ query: 'dialect=x&token=k%2B1' })).credential).toEqual({ token: 'k+1', source: 'query' });
    expect(extractCredential(req({ protocol: 'chainfan, bearer.tok' }))).toEqual({ credential: { token: 'tok', source: 'protocol' }, protocol: 'chainfan' });
    expect(extractCredential(req({ protocol: 'bearer.tok' })).protocol).toBe('bearer.tok'); // a browser needs one of its offers back
    expect(extractCredential(req({ authorization: 'Basic dXNlcg==' })).credential).toBeUndefined();
    expect(extractCredential(req({})).credential).toBeUndefined();
  });
});
