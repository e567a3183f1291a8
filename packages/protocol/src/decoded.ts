// Result type for total decoders: untrusted bytes never throw, they return a coded failure.
export type Decoded<T, E extends string = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E; readonly detail?: string };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function fail<E extends string>(error: E, detail?: string): { readonly ok: false; readonly error: E; readonly detail?: string } {
  return detail === undefined ? { ok: false, error } : { ok: false, error, detail };
}
