// The node's private details never reach clients: answers of allow-listed commands are cut to their documented
// public fields. Real HTTP JSON-RPC (the node simulator, and a node answering with its local addresses, proxies and
// wallet flags), real NodeRpc and CommandProxy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTtlCache } from '@chainfan/bus';
import { NodeSim } from '@chainfan/node-sim';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { silentLog } from '../testing/edge-harness.js';
import { READ_ONLY_METHODS } from './allow-list.js';
import { CommandProxy } from './command-proxy.js';
import { NodeRpc } from './node-rpc.js';
import { PUBLIC_RESULTS } from './public-fields.js';

/** What a real node answers, private parts included. */
const NODE_ANSWERS: Readonly<Record<string, unknown>> = {
  getnetworkinfo: {
    version: 1000500, subversion: '/Evrmore:1.0.5/', protocolversion: 70028, localservices: '000000000000040d', localrelay: true, timeoffset: 0,
    networkactive: true, connections: 8, relayfee: 0.01, incrementalfee: 0.00001, warnings: '',
    networks: [{ name: 'onion', limited: false, reachable: true, proxy: '10.0.0.7:9050', proxy_randomize_credentials: true }],
    localaddresses: [{ address: '203.0.113.5', port: 8820, score: 4 }, { address: '2001:db8::5', port: 8820, score: 1 }],
  },
  validateaddress: { isvalid: true, address: 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1', scriptPubKey: '76a9', ismine: true, iswatchonly: false, isscript: false, pubkey: '02ab', account: 'operator' },
  getblockcount: { surprise: 'an object where a number belongs' },
  getrawmempool: ['aa', 'bb'],
};

function fakeNode(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const { method, id } = JSON.parse(body) as { method: string; id: unknown };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ result: NODE_ANSWERS[method] ?? null, error: null, id }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const proxyFor = (url: string, user?: string, password?: string): CommandProxy => new CommandProxy({
  rpc: new NodeRpc({ url, ...(user === undefined ? {} : { user }), ...(password === undefined ? {} : { password }), timeoutMs: 5_000, maxReplyBytes: 1_048_576 }),
  cache: new MemoryTtlCache(), cacheTtlMs: 1, maxInflight: 8, log: silentLog, metrics: createEdgeMetrics(createRegistry({ defaultMetrics: false })),
});

describe('node command answers are cut to their public fields', () => {
  let node: Server;
  let sim: NodeSim;
  let simRpc: string;
  beforeAll(async () => {
    node = await fakeNode();
    sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, rpcUser: 'u', rpcPassword: 'p', blockIntervalMs: 3_600_000, txPerSecond: 0 });
    simRpc = (await sim.start()).rpcUrl;
  });
  afterAll(async () => {
    await sim?.close();
    await new Promise((r) => node?.close(r));
  });

  it('getnetworkinfo never carries localaddresses or network proxies; validateaddress never the wallet flags', async () => {
    const proxy = proxyFor(`http://127.0.0.1:${(node.address() as AddressInfo).port}/`);
    const net = await proxy.call('getnetworkinfo', []);
    expect(net.ok).toBe(true);
    const info = JSON.parse((net as { result: string }).result) as Record<string, unknown>;
    expect(info).toMatchObject({ subversion: '/Evrmore:1.0.5/', connections: 8, relayfee: 0.01 });
    expect(Object.keys(info)).not.toContain('localaddresses');
    expect(Object.keys(info)).not.toContain('networks');
    expect(JSON.stringify(info)).not.toMatch(/203\.0\.113\.5|2001:db8|10\.0\.0\.7/);
    const addr = JSON.parse(((await proxy.call('validateaddress', ['EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1'])) as { result: string }).result) as Record<string, unknown>;
    expect(addr).toEqual({ isvalid: true, address: 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1', scriptPubKey: '76a9', isscript: false });
    expect((await proxy.call('getrawmempool', [])) as { result: string }).toMatchObject({ ok: true, result: '["aa","bb"]' });
    // an answer of an unexpected shape is refused, not passed on
    expect(await proxy.call('getblockcount', [])).toMatchObject({ ok: false, error: { reason: 'command_failed' } });
  });

  it('the node simulator answers through the same filter (its getnetworkinfo lists localaddresses too)', async () => {
    const direct = await new NodeRpc({ url: simRpc, user: 'u', password: 'p', timeoutMs: 5_000, maxReplyBytes: 1_048_576 }).call('getnetworkinfo', []);
    expect(direct.ok && Object.keys(JSON.parse(direct.result) as object)).toContain('localaddresses');
    const out = await proxyFor(simRpc, 'u', 'p').call('getnetworkinfo', []);
    expect(out.ok).toBe(true);
    const info = JSON.parse((out as { result: string }).result) as Record<string, unknown>;
    expect(info['subversion']).toBe('/Evrmore:1.0.5/');
    expect(Object.keys(info)).not.toContain('localaddresses');
    expect(await proxyFor(simRpc, 'u', 'p').call('getblockcount', [])).toMatchObject({ ok: true, result: expect.stringMatching(/^\d+$/) });
  });

  it('every allow-listed command has a public shape (a command added to the allow-list without one is refused)', () => {
    for (const m of READ_ONLY_METHODS) expect(PUBLIC_RESULTS.has(m), m).toBe(true);
    for (const m of PUBLIC_RESULTS.keys()) expect(READ_ONLY_METHODS.has(m), m).toBe(true);
  });
});
