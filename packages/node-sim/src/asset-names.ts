// Root asset names: the node's validity rule (enough of it for a simulator) and a generator of fresh names.
import type { Random } from './random.js';
import { pick, randomInt } from './random.js';

const ROOT_NAME = /^[A-Z0-9]([A-Z0-9]|[._](?=[A-Z0-9]))*$/;
const RESERVED = new Set(['EVR', 'EVRMORE', 'EVRMORECOIN']);
export const MAX_ROOT_NAME_LENGTH = 30;

/** A root (main) asset name: 3–30 of A-Z 0-9 . _, punctuation never first, last or doubled, not a reserved word. */
export function isValidRootAssetName(name: string): boolean {
  return name.length >= 3 && name.length <= MAX_ROOT_NAME_LENGTH && ROOT_NAME.test(name) && !RESERVED.has(name);
}

const WORDS = ['MOON', 'GOLD', 'ART', 'PUNK', 'TOKEN', 'CARD', 'GAME', 'COIN', 'SHARE', 'PASS', 'BADGE', 'LAND', 'SEED', 'ORE'];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A plausible name (`GOLD_7Q2`, `PUNK.X81`) that `taken` does not hold. */
export function freshAssetName(random: Random, taken: (name: string) => boolean): string {
  for (;;) {
    let suffix = '';
    for (let i = randomInt(random, 2, 5); i > 0; i--) suffix += ALNUM[Math.floor(random() * ALNUM.length)];
    const sep = pick(random, ['', '_', '.']);
    const name = `${pick(random, WORDS)}${sep}${suffix}`;
    if (isValidRootAssetName(name) && !taken(name)) return name;
  }
}
