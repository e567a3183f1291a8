// Node bandwidth for the `network` summary: bytes per second in and out between two getnettotals samples. Totals that
// go backwards (the node restarted) start the meter over instead of reporting a negative rate.

export interface NetTotals {
  readonly totalbytesrecv: number;
  readonly totalbytessent: number;
  readonly timemillis: number;
}

export interface Bandwidth {
  /** bytes per second received by the node */
  readonly in: number;
  /** bytes per second sent by the node */
  readonly out: number;
}

export class TrafficMeter {
  #last: NetTotals | undefined;

  /** The rates since the previous sample; undefined for the first one, after a reset, or for a malformed reply. */
  sample(reply: unknown): Bandwidth | undefined {
    const t = parseTotals(reply);
    if (t === undefined) return undefined;
    const prev = this.#last;
    this.#last = t;
    if (prev === undefined) return undefined;
    const seconds = (t.timemillis - prev.timemillis) / 1000;
    const dIn = t.totalbytesrecv - prev.totalbytesrecv;
    const dOut = t.totalbytessent - prev.totalbytessent;
    if (!(seconds > 0) || dIn < 0 || dOut < 0) return undefined;
    return { in: Math.round(dIn / seconds), out: Math.round(dOut / seconds) };
  }
}

function parseTotals(reply: unknown): NetTotals | undefined {
  if (typeof reply !== 'object' || reply === null) return undefined;
  const r = reply as Record<string, unknown>;
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!ok(r['totalbytesrecv']) || !ok(r['totalbytessent']) || !ok(r['timemillis'])) return undefined;
  return { totalbytesrecv: r['totalbytesrecv'], totalbytessent: r['totalbytessent'], timemillis: r['timemillis'] };
}
