// Node commands die with their socket: requests a client queued behind a slow node call are dropped when it closes,
// before they reach the node (node-sim, behind a counting gate) and without taking in-flight slots, so other
// clients' commands are answered instead of refused as busy (1014).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus, MemoryTtlCache } from '@chainfan/bus';
import { CommandProxy, Edge, edgeConfig, NodeRpc } from '@chainfan/edge';
import { NodeSim } from '@chainfan/node-sim';
import { createEdgeMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';

const log = createLogger({ service: 'commands-test', level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * In front of node-sim's RPC port: records every method the node is asked, and holds calls while closed (a node
 * busy on its main lock), forwarding them once opened.
 */
async function countingGate(target: string): Promise<{ url: string; seen: string[]; release(): void }> {
  const seen: string[] = [];
  let release!: () => void;
  const opened = new Promise<void>((r) => {
    release = r;
  });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push((JSON.parse(body.toString()) as { method: string }).method);
      void opened
        .then(() => fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' }, body }))
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
        }, () => res.writeHead(502).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, release };
}

function client(url: string): Promise<{ ws: WebSocket; frames: { type?: string; data?: { code?: number; command?: string } }[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: { type?: string; data?: { code?: number; command?: string } }[] = [];
    ws.on('message', (d: Buffer) => frames.push(JSON.parse(d.toString()) as (typeof frames)[number]));
    ws.on('error', () => undefined);
    ws.once('open', () => resolve({ ws, frames }));
    ws.once('error', reject);
  });
}

describe('node commands die with their socket', () => {
  it('drops a closed socket\'s queued commands before the node sees them; other clients are answered, never 1014', async () => {
    const sim = new NodeSim({ network: 'evrmore-main', zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, rpcUser: 'u', rpcPassword: 'p', autoMine: false, txPerSecond: 0, seed: 3 });
    const { rpcUrl } = await sim.start();
    cleanups.push(() => sim.close());
    const gate = await countingGate(rpcUrl);
    const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
    const commands = new CommandProxy({
      rpc: new NodeRpc({ url: gate.url, user: 'u', password: 'p', timeoutMs: 10_000, maxReplyBytes: 1_048_576 }),
      cache: new MemoryTtlCache(), cacheTtlMs: 1, maxInflight: 2, log, metrics,
    });
    const bus = new MemoryBus();
    cleanups.push(() => bus.close());
    const edge = new Edge({ bus, log, metrics, commands, config: edgeConfig({ host: '127.0.0.1', port: 0, maxPendingCommands: 16 }) });
    const { port } = await edge.start();
    cleanups.push(() => edge.close());

    // the leaver's first call waits at the node; five more queue behind it on its socket
    const leaver = await client(`ws://127.0.0.1:${port}/`);
    leaver.ws.send('{"command":"getblockcount","params":[]}');
    await waitFor(() => gate.seen.length === 1, { message: 'the first call at the node' });
    const queued = ['getbestblockhash', 'getdifficulty', 'getmempoolinfo', 'getmininginfo', 'getchaintips'];
    for (const m of queued) leaver.ws.send(`{"command":"${m}","params":[]}`);
    await waitFor(() => edge.stats().connections === 1);
    leaver.ws.terminate();
    await waitFor(() => edge.stats().connections === 0, { message: 'the edge saw the close' });

    gate.release();
    await waitFor(async () => (await metrics.commandsDropped.get()).values[0]?.value === queued.length, { message: 'queued commands dropped' });

    const other = await client(`ws://127.0.0.1:${port}/`);
    cleanups.push(async () => other.ws.terminate());
    for (const m of ['getblockhash', 'getconnectioncount']) other.ws.send(`{"command":"${m}","params":${m === 'getblockhash' ? '[0]' : '[]'}}`);
    await waitFor(() => (other.frames.length === 2 ? other.frames : undefined), { message: 'answers to the other client' });
    expect(other.frames.map((f) => f.type)).toEqual(['result', 'result']);
    expect(other.frames.some((f) => f.data?.code === 1014)).toBe(false);
    expect(gate.seen).toEqual(['getblockcount', 'getblockhash', 'getconnectioncount']);
  });
});
