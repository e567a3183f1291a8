import { describe, expect, it } from 'vitest';
import { rpcEndpoint } from './rpc-endpoint.js';

describe('rpcEndpoint', () => {
  it('moves userinfo into a Basic header, decoded, and lets explicit credentials win', () => {
    expect(rpcEndpoint('http://sim:p%40ss@127.0.0.1:8819/')).toEqual({ endpoint: 'http://127.0.0.1:8819/', authorization: `Basic ${Buffer.from('sim:p@ss').toString('base64')}` });
    expect(rpcEndpoint('http://a:b@node:1/wallet', 'u', 'ü')).toEqual({ endpoint: 'http://node:1/wallet', authorization: `Basic ${Buffer.from('u:ü').toString('base64')}` });
    expect(rpcEndpoint('https://node.example')).toEqual({ endpoint: 'https://node.example/', authorization: undefined });
  });
});
