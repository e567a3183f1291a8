// Conformance checks derived from an API's documentation: every documented field of a message, by path, with the
// type its examples show — one assertion per field, named after the field, so a failure says which one broke.
import { expect } from 'vitest';
import { shapeOf } from './json-ws-client.js';

/** path (dot-separated, array indexes as numbers) → documented type (`int`, `number`, `string`, `boolean`, `array`, `object`, `null`, or `a|b`) */
export type DocumentedFields = Readonly<Record<string, string>>;

/** The value at a dot path, or undefined when any step is missing (own properties only). */
export function at(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const step of path.split('.')) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, step)) return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

function typeOk(actual: string, documented: string): boolean {
  const allowed = documented.split('|');
  return allowed.includes(actual) || (actual === 'int' && allowed.includes('number'));
}

/** One assertion per documented field of `message`: present, with the documented type. */
export function expectDocumented(message: unknown, fields: DocumentedFields, label: string): void {
  for (const [path, type] of Object.entries(fields)) {
    const v = at(message, path);
    const actual = v === undefined ? 'missing' : shapeOf(v);
    expect(typeOk(actual, type), `${label}: ${path} is ${actual}, documented ${type}`).toBe(true);
  }
}
