import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcServer } from './rpc-server.js';
import { RPC_ERROR, RpcError } from './rpc-error.js';

const AUTH = `Basic ${Buffer.from('u:p').toString('base64')}`;

describe('RpcServer (real HTTP)', () => {
  let server: RpcServer;
  let url: string;

  beforeAll(async () => {
    server = new RpcServer({ host: '127.0.0.1', port: 0, user: 'u', password: 'p', maxBodyBytes: 4_096 }, (method, params) => {
      if (method === 'echo') return params;
      if (method === 'fail') throw new RpcError(RPC_ERROR.invalidAddressOrKey, 'Block not found');
      if (method === 'boom') throw new Error('kaput');
      throw new RpcError(RPC_ERROR.methodNotFound, 'Method not found');
    });
    url = await server.listen();
  });
  afterAll(() => server.close());

  const post = (body: string, auth: string | null = AUTH) =>
    fetch(url, { method: 'POST', body, headers: auth === null ? {} : { authorization: auth } });

  it('answers 401 with a Basic challenge without or with wrong credentials', async () => {
    const none = await post('{"method":"echo","id":1}', null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="jsonrpc"');
    const wrong = await post('{"method":"echo","id":1}', `Basic ${Buffer.from('u:x').toString('base64')}`);
    expect(wrong.status).toBe(401);
  });

  it('replies {result,error,id} with 200 on success, 500 for method errors, 404 for unknown methods', async () => {
    const ok = await post('{"jsonrpc":"1.0","method":"echo","params":[1,"a"],"id":"x"}');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ result: [1, 'a'], error: null, id: 'x' });

    const err = await post('{"method":"fail","params":[],"id":2}');
    expect(err.status).toBe(500);
    expect(await err.json()).toEqual({ result: null, error: { code: -5, message: 'Block not found' }, id: 2 });

    const misc = await post('{"jsonrpc":"2.0","method":"boom","id":3}');
    expect(misc.status).toBe(500);
    expect(await misc.json()).toEqual({ result: null, error: { code: -1, message: 'kaput' }, id: 3 });

    const missing = await post('{"method":"nope","id":4}');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe(-32601);
  });

  it('answers a batch with 200 and one reply per call, in order', async () => {
    const res = await post(JSON.stringify([{ method: 'echo', params: [1], id: 1 }, { method: 'fail', id: 2 }, 17]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { result: [1], error: null, id: 1 },
      { result: null, error: { code: -5, message: 'Block not found' }, id: 2 },
      { result: null, error: { code: -32600, message: 'Invalid Request object' }, id: null },
    ]);
  });

  it('rejects parse errors, non-POST and oversized bodies', async () => {
    const bad = await post('{"method":');
    expect(bad.status).toBe(500);
    expect((await bad.json()).error.code).toBe(-32700);
    const get = await fetch(url, { headers: { authorization: AUTH } });
    expect(get.status).toBe(405);
    const big = await post(JSON.stringify({ method: 'echo', params: ['x'.repeat(10_000)], id: 1 }));
    expect(big.status).toBe(413);
  });
});
