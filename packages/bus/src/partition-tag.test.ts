// partitionTag places partitions evenly over masters however the prefix hashes, including at range borders.
import { describe, expect, it } from 'vitest';
import { txsChannels } from '@chainfan/protocol';
import { busKeys } from './redis-keys.js';
import { keySlot } from './redis-shards.js';

/** The slot ranges `redis-cli --cluster create` gives `masters` masters (16384 / masters each, remainder spread). */
function masterOf(slot: number, masters: number): number {
  const per = 16_384 / masters;
  let m = 0;
  while (m < masters - 1 && slot > Math.round((m + 1) * per) - 1) m++;
  return m;
}

describe('partitionTag', () => {
  it('gives each of 3 masters N ÷ 3 partitions for 200 prefixes and N of 3, 6, 12 and 63', () => {
    for (const n of [3, 6, 12, 63]) {
      for (let p = 0; p < 200; p++) {
        const keys = busKeys(`p${p}-${n}:`, n);
        const per = [0, 0, 0];
        txsChannels(n).forEach((c, i) => {
          const slot = keySlot(keys.channels.get(c)!.pubsub);
          // inside the middle half of its n-th: clear of any border a tool may round either way
          expect(Math.abs(slot - (i + 0.5) * (16_384 / n))).toBeLessThan(16_384 / n / 4);
          per[masterOf(slot, 3)]!++;
        });
        expect(per, `prefix p${p}-${n}:`).toEqual([n / 3, n / 3, n / 3]);
      }
    }
  });
});
