// Recently replayed history frames kept per (message, dialect): a reconnect storm that replays the same history to
// many sockets encodes each frame once. Bounded by count and bytes, oldest out first.
import type { Dialect, Envelope } from '@chainfan/protocol';

export class EncodeCache {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #frames = new Map<string, Buffer>();
  #bytes = 0;

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** The dialect's frame for `env`, encoded on first use; undefined when the dialect has no frame for it. */
  get(env: Envelope, dialect: Dialect): Buffer | undefined {
    const key = `${env.channel}|${env.epoch}|${env.seq}|${dialect.name}`;
    let f = this.#frames.get(key);
    if (f === undefined) {
      const text = dialect.encodeEvent(env);
      if (text === undefined) return undefined;
      f = Buffer.from(text, 'utf8');
      this.#frames.set(key, f);
      this.#bytes += f.byteLength;
      // oldest first (Map order); the frame just added always stays
      for (const [k, old] of this.#frames) {
        if (this.#frames.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
        if (k === key) break;
        this.#frames.delete(k);
        this.#bytes -= old.byteLength;
      }
    }
    return f;
  }
}
