// Shared by NodeSim's integration tests: a simulator on ephemeral ports, an RPC caller and a live ZMQ subscriber.
import { Subscriber } from 'zeromq';
import { decodeZmqFrames } from '@chainfan/chain';
import { waitFor } from '@chainfan/testkit';
import { NodeSim } from './node-sim.js';
import type { NodeSimOptions } from './options.js';
import { ZMQ_PROBE_TOPIC } from './zmq-notifier.js';

export interface Received {
  readonly topic: string;
  readonly body: Uint8Array;
  readonly seq: number;
  readonly frames: number;
}

/** What a test closes after itself, newest first. */
export type Closables = Array<{ close(): unknown }>;

export const RPC_AUTH = `Basic ${Buffer.from('u:p').toString('base64')}`;

/** A started NodeSim (manual mining, no random traffic, credentials u/p, seed 11 unless overridden) and RPC helpers. */
export async function startSim(open: Closables, over: NodeSimOptions = {}) {
  const sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0, rpcUser: 'u', rpcPassword: 'p', seed: 11, ...over });
  open.push(sim);
  const endpoints = await sim.start();
  const rpcRaw = (body: unknown, auth = RPC_AUTH, signal?: AbortSignal) =>
    fetch(endpoints.rpcUrl, {
      method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });
  const rpc = async <T = unknown>(method: string, ...params: unknown[]): Promise<T> => {
    const res = await rpcRaw({ jsonrpc: '1.0', id: 't', method, params });
    const json = (await res.json()) as { result: unknown; error: unknown };
    if (json.error !== null) throw Object.assign(new Error(JSON.stringify(json.error)), { status: res.status, rpc: json.error });
    return json.result as T;
  };
  return { sim, endpoints, rpc, rpcRaw };
}

/** A real SUB socket; resolves once a probe proved that every subscription (made before it) is live. */
export async function subscribe(open: Closables, sim: NodeSim, endpoint: string, topics: readonly string[]) {
  const sub = new Subscriber({ linger: 0 });
  for (const t of topics) sub.subscribe(t);
  sub.subscribe(ZMQ_PROBE_TOPIC);
  sub.connect(endpoint);
  const got: Received[] = [];
  let probes = 0;
  const reading = (async () => {
    for await (const parts of sub) {
      const d = decodeZmqFrames(parts);
      if (!d.ok) throw new Error(`bad frames: ${d.error}`);
      if (d.value.topic === ZMQ_PROBE_TOPIC) probes++;
      else got.push({ topic: d.value.topic, body: new Uint8Array(d.value.body), seq: d.value.sequence!, frames: parts.length });
    }
  })();
  open.push({ close: async () => { sub.close(); await reading.catch(() => undefined); } });
  /** Resolves once a probe sent after this call arrived (again after a publisher restart: SUB reconnects by itself). */
  const live = async (): Promise<void> => {
    const before = probes;
    await waitFor(async () => {
      await sim.zmqProbe();
      return probes > before;
    }, { timeoutMs: 5_000, intervalMs: 20 });
  };
  await live();
  return Object.assign(got, { live });
}
