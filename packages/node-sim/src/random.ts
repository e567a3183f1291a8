// Deterministic randomness for the simulator: a seeded PRNG plus the few draws the generator needs.
/** A source of uniform numbers in [0, 1); `Math.random` qualifies, `seededRandom(n)` is reproducible. */
export type Random = () => number;

/** sfc32 seeded through splitmix32: fast, 128-bit state, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4_294_967_296;
  };
}

/** Integer in [min, max] (both inclusive). */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function randomBytes(random: Random, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Uniform BigInt in [min, max]; precise enough for satoshi amounts (53 random bits per draw). */
export function randomBigInt(random: Random, min: bigint, max: bigint): bigint {
  const span = max - min + 1n;
  const draw = (BigInt(Math.floor(random() * 2 ** 26)) << 27n) | BigInt(Math.floor(random() * 2 ** 27));
  return min + (draw % span);
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(random() * items.length)] as T;
}

/** Exponential inter-arrival time for a Poisson process of `ratePerSecond` events, in ms. */
export function poissonDelayMs(random: Random, ratePerSecond: number): number {
  return (-Math.log(1 - random()) / ratePerSecond) * 1_000;
}
