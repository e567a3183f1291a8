import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStateFile } from './local-state.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function file(): Promise<LocalStateFile> {
  const d = await mkdtemp(join(tmpdir(), 'chainfan-state-test-'));
  dirs.push(d);
  return new LocalStateFile(join(d, 'sub', 'state.json'));
}

describe('LocalStateFile', () => {
  it('has nothing before the first save, then the last state saved', async () => {
    const f = await file();
    expect(await f.load()).toBeUndefined();
    void f.save({ positions: [['blocks', { epoch: '1', seq: 1 }]], checkpoint: undefined });
    await f.save({ positions: [['blocks', { epoch: '1', seq: 2 }], ['txs', { epoch: '2', seq: 9 }]], checkpoint: '{"height":3}' });
    expect(await f.load()).toEqual({ positions: [['blocks', { epoch: '1', seq: 2 }], ['txs', { epoch: '2', seq: 9 }]], checkpoint: '{"height":3}' });
  });

  it.each([
    ['not JSON', '{'],
    ['another version', '{"v":2,"positions":{}}'],
    ['an unknown channel', '{"v":1,"positions":{"nope":{"epoch":"1","seq":1}}}'],
    ['a bad seq', '{"v":1,"positions":{"blocks":{"epoch":"1","seq":-1}}}'],
    ['a bad checkpoint', '{"v":1,"positions":{},"checkpoint":7}'],
  ])('refuses a file with %s, coded', async (_what, text) => {
    const f = await file();
    await f.save({ positions: [], checkpoint: undefined });
    await writeFile(f.path, text);
    await expect(f.load()).rejects.toMatchObject({ code: 'CHAINFAN_STATE_UNREADABLE' });
  });
});
