// A block publish whose answer was lost (a Redis failover, a timeout) may have run: the ingestor reads the stored
// checkpoint before publishing the block again, so a publish that ran is not sequenced twice, and one that did not
// run is repeated.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus, type PublishOptions, type PublishReceipt } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { inProcessNode } from '@chainfan/node-sim';
import { BUS_CHANNELS, ChainfanError, type Envelope, ManualClock, type OutgoingEnvelope } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { Ingestor } from './ingestor.js';
import { ScriptedChainSource } from './source/scripted-chain-source.js';
import { InProcessRpc } from './testing/in-process-rpc.js';
import { settle } from './testing/settle.js';

type Fault = 'ran' | 'did-not-run';

/** A bus whose next block publish fails: after running ('ran', the answer is lost) or before ('did-not-run'). */
class FaultyBus extends MemoryBus {
  nextBlock: Fault | undefined;
  /** checkpoint reads that fail (the bus is still down) */
  failCheckpointReads = 0;
  checkpointReads = 0;

  override async publish(msg: OutgoingEnvelope, opts?: PublishOptions): Promise<PublishReceipt> {
    const fault = msg.channel === 'blocks' ? this.nextBlock : undefined;
    if (fault === undefined) return super.publish(msg, opts);
    this.nextBlock = undefined;
    if (fault === 'ran') await super.publish(msg, opts);
    throw new ChainfanError('CHAINFAN_PUBLISH_TIMEOUT', 'publish: no answer within the deadline');
  }

  override async readCheckpoint(): Promise<string | undefined> {
    this.checkpointReads++;
    if (this.failCheckpointReads > 0) {
      this.failCheckpointReads--;
      throw new ChainfanError('CHAINFAN_BUS_DOWN', 'checkpoint failed: connection closed');
    }
    return super.readCheckpoint();
  }
}

const open: Ingestor[] = [];
afterEach(async () => {
  for (const i of open.splice(0)) await i.close();
});

async function setup() {
  const clock = new ManualClock();
  const node = inProcessNode({ clock, seed: 5, network: 'evrmore-main', initialBlocks: 2 });
  const bus = new FaultyBus({ now: () => clock.now() });
  const got: Envelope[] = [];
  bus.onMessage((m) => got.push(m));
  for (const ch of BUS_CHANNELS) await bus.subscribe(ch);
  const source = new ScriptedChainSource(clock);
  const ingestor = new Ingestor({
    source, rpc: new InProcessRpc(node), bus, clock,
    metrics: createIngestorMetrics(createRegistry({ defaultMetrics: false })),
    network: NETWORKS['evrmore-main'],
    log: createLogger({ service: 'test', level: 'silent' }),
    random: () => 0.5,
    mempoolIntervalMs: 0, networkIntervalMs: 0, peersIntervalMs: 0, pollIntervalMs: 0,
  });
  open.push(ingestor);
  await ingestor.start();
  await settle(ingestor);
  const heights = (): number[] => got.filter((e) => e.channel === 'blocks').map((e) => (JSON.parse(e.body) as { height: number }).height);
  expect(heights()).toEqual([2]);
  /** mines a block and announces it; the ingestor publishes it (or fails to) */
  const mine = async (): Promise<void> => {
    source.emit('rawblock', node.chain.mineBlock().block.raw);
    await settle(ingestor);
  };
  return { bus, ingestor, heights, mine };
}


describe('a block publish with an unknown outcome', () => {
  it('that ran is found in the stored checkpoint and not published again', async () => {
    const t = await setup();
    t.bus.nextBlock = 'ran';
    await t.mine(); // block 3: published, but the ingestor is told it timed out
    await t.mine(); // block 4 builds on 3
    expect(t.heights()).toEqual([2, 3, 4]);
    expect(t.ingestor.status().tip?.height).toBe(4);
  });

  it('that did not run is published again by the next sync', async () => {
    const t = await setup();
    t.bus.nextBlock = 'did-not-run';
    await t.mine();
    expect(t.heights()).toEqual([2]);
    await t.mine(); // block 4 is off the published tip: the sync connects 3, then 4
    expect(t.heights()).toEqual([2, 3, 4]);
  });

  it('whose checkpoint cannot be read either is checked before the block is published again', async () => {
    const t = await setup();
    t.bus.nextBlock = 'ran';
    t.bus.failCheckpointReads = 1;
    await t.mine(); // block 3 ran; the read after the failure fails too: the ingestor cannot tell yet
    expect(t.heights()).toEqual([2, 3]);
    const reads = t.bus.checkpointReads;
    await t.mine(); // the sync reconnects 3: the stored checkpoint already ends at 3, so only 4 is published
    expect(t.bus.checkpointReads).toBeGreaterThan(reads);
    expect(t.heights()).toEqual([2, 3, 4]);
  });
});
