// The ingestor's periodic summaries run on its injected clock with the config table's default periods: nothing is
// published before a period ends, one summary when it does — checked on a ManualClock, with no real time.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { inProcessNode } from '@chainfan/node-sim';
import { type Envelope, ManualClock } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { INGESTOR_DEFAULTS } from './config.js';
import { Ingestor } from './ingestor.js';
import { ScriptedChainSource } from './source/scripted-chain-source.js';
import { InProcessRpc } from './testing/in-process-rpc.js';
import { settle } from './testing/settle.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c();
});


describe('Ingestor periods', () => {
  it('publishes the network and mempool summaries when the clock passes the table\'s default periods', async () => {
    const clock = new ManualClock();
    const node = inProcessNode({ clock, seed: 5, network: 'evrmore-main', initialBlocks: 2 });
    const bus = new MemoryBus({ now: () => clock.now() });
    const got: Envelope[] = [];
    bus.onMessage((m) => got.push(m));
    await bus.subscribe('ctl');
    await bus.subscribe('mempool');
    const ingestor = new Ingestor({
      source: new ScriptedChainSource(clock), rpc: new InProcessRpc(node), bus, clock, random: () => 0.5,
      network: NETWORKS['evrmore-main'], log: createLogger({ service: 'test', level: 'silent' }),
      metrics: createIngestorMetrics(createRegistry({ defaultMetrics: false })),
    });
    open.push(() => bus.close(), () => ingestor.close());
    await ingestor.start();
    await settle(ingestor);
    expect(ingestor.status().leader).toBe(true);
    const count = (kind: string): number => got.filter((e) => e.kind === kind).length;
    const { networkIntervalMs, mempoolIntervalMs } = INGESTOR_DEFAULTS;
    expect(networkIntervalMs).toBeLessThan(mempoolIntervalMs);

    clock.advance(networkIntervalMs - 1);
    await settle(ingestor);
    expect(count('network')).toBe(0);
    clock.advance(1);
    await settle(ingestor);
    expect(count('network')).toBe(1);
    expect(count('mempool')).toBe(0);

    clock.advance(mempoolIntervalMs - networkIntervalMs);
    await settle(ingestor);
    expect(count('mempool')).toBe(1);
  });
});
