// The message every fan-out target carries: a transaction-shaped JSON body whose first key is the publisher's
// stamp `"t"`, so any wire protocol around it still lets the loadgen find it (message-scan.ts).

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export function hrNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Default body size: about what a one-input, two-output payment notification weighs without its scripts. */
export const DEFAULT_BODY_BYTES = 256;

export class BenchBodies {
  readonly #pad: string;

  /** `bodyBytes`: the approximate size of each body; the padding makes up what the fixed fields do not. */
  constructor(bodyBytes = DEFAULT_BODY_BYTES) {
    const fixed = '{"t":1700000000000.000,"txid":"","pad":""}'.length + 64;
    this.#pad = 'x'.repeat(Math.max(0, bodyBytes - fixed));
  }

  /** Body of message `i` stamped `tMs`. */
  body(i: number, tMs: number): string {
    return `{"t":${tMs.toFixed(3)},"txid":"${txidOf(i)}","pad":"${this.#pad}"}`;
  }
}

export function txidOf(i: number): string {
  return i.toString(16).padStart(64, '0');
}
