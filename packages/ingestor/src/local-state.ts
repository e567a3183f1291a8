// What the ingestor keeps of its own on local disk, because Redis can lose it: the latest (epoch, seq) known per
// bus channel (a Redis that comes back behind it starts a new epoch) and the latest chain checkpoint (whoever
// leads after Redis lost its data backfills from there). Written atomically (temp file + rename).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PublishReceipt } from '@chainfan/bus';
import { type BusChannel, isBusChannel } from '@chainfan/protocol';

export interface LocalState {
  readonly positions: readonly (readonly [BusChannel, PublishReceipt])[];
  /** the chain checkpoint as stored with block publishes (JSON), undefined when none is known */
  readonly checkpoint: string | undefined;
}

const MAX_BYTES = 1 << 20;

export class LocalStateFile {
  readonly path: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  /**
   * The saved state; undefined when there is no file yet. Throws (code CHAINFAN_STATE_UNREADABLE) on a file that is
   * not one of ours: trusting a damaged file could hide a rewind, so the caller decides and says so.
   */
  async load(): Promise<LocalState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const state = text.length > MAX_BYTES ? undefined : parseState(text);
    if (state === undefined) throw Object.assign(new Error(`${this.path}: not an ingestor state file`), { code: 'CHAINFAN_STATE_UNREADABLE' });
    return state;
  }

  /** Saves; calls are serialized, so the file always holds the last one saved. */
  save(state: LocalState): Promise<void> {
    const text = JSON.stringify({
      v: 1,
      positions: Object.fromEntries(state.positions.map(([c, p]) => [c, { epoch: p.epoch, seq: p.seq }])),
      ...(state.checkpoint === undefined ? {} : { checkpoint: state.checkpoint }),
    });
    const write = async (): Promise<void> => {
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, this.path);
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }
}

function parseState(text: string): LocalState | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const o = raw as Record<string, unknown>;
  if (o['v'] !== 1 || typeof o['positions'] !== 'object' || o['positions'] === null) return undefined;
  const positions: [BusChannel, PublishReceipt][] = [];
  for (const [c, p] of Object.entries(o['positions'] as Record<string, unknown>)) {
    if (!isBusChannel(c) || typeof p !== 'object' || p === null) return undefined;
    const { epoch, seq } = p as Record<string, unknown>;
    if (typeof epoch !== 'string' || !Number.isSafeInteger(seq) || (seq as number) < 0) return undefined;
    positions.push([c, { epoch, seq: seq as number }]);
  }
  const checkpoint = o['checkpoint'];
  if (checkpoint !== undefined && typeof checkpoint !== 'string') return undefined;
  return { positions, checkpoint };
}
