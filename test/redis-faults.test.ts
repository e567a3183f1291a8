// The fault suite: every scenario on a fresh cluster of real processes (redis-server, node-sim, two ingestors, two
// edges, position-tracking SDK clients), judged against the node's chain: no silent loss, no duplicate, and every
// client reaches the node's tip within a generous bound. `npm run chaos` runs the same scenarios repeatedly.
import { afterEach, describe, expect, it } from 'vitest';
import { FaultCluster } from './faults/fault-cluster.js';
import { runScenario, SCENARIOS } from './faults/scenarios.js';

let cluster: FaultCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
}, 120_000);

describe('faults: positions survive whatever Redis, the node and the processes do', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      cluster = await FaultCluster.start({ redisPersistence: s.redis ?? 'none' });
      const outcomes = await runScenario(cluster, s);
      for (const o of outcomes) {
        expect({ lost: o.lost, duplicates: o.duplicates, stale: o.stale }, `${s.name}: ${JSON.stringify(o)}`).toEqual({ lost: 0, duplicates: 0, stale: 0 });
        // whatever was not delivered was announced by a resync notice
        if (o.signalled > 0) expect(o.notices).toBeGreaterThan(0);
      }
    }, 300_000); // four processes started through tsx on a loaded machine, then a bounded recovery
  }
});
