// Shared pieces of the JSON dialects: bounded, total parsing of a client frame into an object, request ids, bounded
// echoes of client text, and the small formatting helpers their encoders use.
import { parseJsonBounded } from '../json-bounded.js';
import { MAX_TOPIC_LENGTH } from '../topics.js';
import type { RequestRef } from './dialect.js';

export type JsonObject = Readonly<Record<string, unknown>>;

/** Why a frame is not a JSON object; keys of each dialect's own table of answers. */
export type FrameError = 'too_large' | 'too_deep' | 'invalid_json' | 'not_object';

export type ParsedFrame = { readonly ok: true; readonly value: JsonObject } | { readonly ok: false; readonly error: FrameError };

/** Longest echo of client input inside an error message, so error frames stay small whatever was sent. */
export const MAX_ECHO_CHARS = MAX_TOPIC_LENGTH;
/** Longest request id echoed back; longer ones are treated as absent. */
export const MAX_REF_CHARS = 128;

/** Total: the frame as a JSON object, or why not. Size and nesting are bounded before anything is parsed. */
export function parseFrame(frame: ArrayBuffer | string, maxBytes: number): ParsedFrame {
  const parsed = parseJsonBounded(frame, { maxBytes });
  if (!parsed.ok) return parsed;
  const data = parsed.value;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, error: 'not_object' };
  return { ok: true, value: data as JsonObject };
}

/** An own property only: `__proto__` and inherited keys never stand in for the keys a protocol requires. */
export function own(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** A client request id worth echoing: a short string or a finite number, as JSON text. */
export function requestRef(v: unknown): RequestRef {
  if (typeof v === 'string') return v.length <= MAX_REF_CHARS ? JSON.stringify(v) : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return JSON.stringify(v);
  return undefined;
}

export function bounded(text: string): string {
  return text.length <= MAX_ECHO_CHARS ? text : `${text.slice(0, MAX_ECHO_CHARS)}…`;
}

/** How Python's f-string would show the value: strings bare, anything else as JSON. */
export function echo(value: unknown): string {
  if (typeof value === 'string') return bounded(value);
  return bounded(JSON.stringify(value) ?? String(value));
}

/** Unix seconds, as The Block, ZION and Rustorium's heartbeat send them. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** `2024-01-23T12:34:56Z`: ISO 8601 without milliseconds, as Rustorium's events show it. */
export function isoSeconds(ms: number): string {
  const d = new Date(Number.isFinite(ms) ? ms : 0);
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** Parses a body the ingestor serialized; undefined instead of throwing for anything else. */
export function parseBody(body: string): JsonObject | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
  } catch {
    return undefined; // bodies come from our own ingestor; a broken one is skipped, never fatal
  }
}

export const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
export const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/** `"id":<ref>,` for frames that carry request ids, or nothing. */
export function refField(ref: RequestRef): string {
  return ref === undefined ? '' : `"id":${ref},`;
}

/** A bounded-size FIFO map (oldest entry evicted first). */
export class BoundedMap<K, V> {
  readonly #max: number;
  readonly #m = new Map<K, V>();

  constructor(max: number) {
    this.#max = max;
  }

  get(k: K): V | undefined {
    return this.#m.get(k);
  }

  set(k: K, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    if (this.#m.size > this.#max) {
      const oldest = this.#m.keys().next();
      if (oldest.done !== true) this.#m.delete(oldest.value);
    }
  }

  delete(k: K): boolean {
    return this.#m.delete(k);
  }

  get size(): number {
    return this.#m.size;
  }
}
