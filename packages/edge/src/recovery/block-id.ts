// The identity of a block message — its hash and height — read from the front of the body without parsing it all:
// a chain-anchored resume compares blocks by identity, and bodies of big blocks are large.
const HASH_RE = /"hash":"([0-9a-f]{64})"/;
const HEIGHT_RE = /"height":(\d{1,10})[,}]/;
/** The node's block JSON names `hash` and `height` among its first keys; the `tx` list comes later. */
const HEAD_CHARS = 1_024;

export interface BlockId {
  readonly hash: string;
  readonly height: number;
}

/** undefined when the body does not start like a block (a foreign or malformed message). */
export function blockIdOf(body: string): BlockId | undefined {
  const head = body.length > HEAD_CHARS ? body.slice(0, HEAD_CHARS) : body;
  const txAt = head.indexOf('"tx":');
  const front = txAt < 0 ? head : head.slice(0, txAt);
  const hash = HASH_RE.exec(front)?.[1];
  const height = HEIGHT_RE.exec(front)?.[1];
  if (hash === undefined || height === undefined) return undefined;
  return { hash, height: Number(height) };
}
