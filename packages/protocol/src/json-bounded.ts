// The one JSON parser for anything a client sends (WebSocket frames of every dialect, HTTP JSON-RPC bodies): size and
// nesting depth are checked on the raw text before JSON.parse, so no later step (echoing, stringifying, walking the
// value) can recurse deeper than `maxDepth` or work on more than `maxBytes`.

/** Deeper than any request of any supported protocol needs (theirs nest 3–4 levels). */
export const DEFAULT_MAX_JSON_DEPTH = 32;

export type JsonParseError = 'too_large' | 'too_deep' | 'invalid_json';

export type JsonParsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: JsonParseError };

export interface JsonLimits {
  /** bytes of UTF-8 (for strings: UTF-16 code units, which never undercount what reached us as UTF-8) */
  readonly maxBytes: number;
  readonly maxDepth?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether `text` nests arrays/objects deeper than `maxDepth` anywhere, in one linear pass that skips string contents.
 * Malformed text is answered "not too deep" here and left to JSON.parse to refuse.
 */
export function jsonTooDeep(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** Total: never throws, whatever the bytes. Invalid UTF-8 is invalid JSON. */
export function parseJsonBounded(input: ArrayBuffer | Uint8Array | string, limits: JsonLimits): JsonParsed {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > limits.maxBytes) return { ok: false, error: 'too_large' };
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch {
      return { ok: false, error: 'invalid_json' };
    }
  }
  if (jsonTooDeep(text, limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH)) return { ok: false, error: 'too_deep' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: 'invalid_json' }; // the expected outcome for garbage; callers count it
  }
}
