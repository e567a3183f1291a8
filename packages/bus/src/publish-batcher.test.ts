import { describe, expect, it } from 'vitest';
import { type BusChannel, ChainfanError } from '@chainfan/protocol';
import { PublishBatcher, type PublishBatcherOptions } from './publish-batcher.js';

interface Call {
  readonly channel: BusChannel;
  readonly token: string;
  readonly messages: number;
  readonly keys: readonly string[];
  readonly argv: readonly (string | number)[];
  settle(reply: unknown): void;
  fail(err: unknown): void;
}

function setup(over: Partial<PublishBatcherOptions> = {}) {
  const turns: (() => void)[] = [];
  const calls: Call[] = [];
  const b = new PublishBatcher({
    keysOf: (ch) => ({ fence: 'fence', checkpoint: 'cp', seq: `${ch}:seq`, epoch: `${ch}:epoch`, history: `${ch}:hist`, pubsub: `${ch}:ps` }),
    floorOf: () => ['e0', 0],
    maxLen: 100,
    run: (channel, token, messages, keys, argv) =>
      new Promise((resolve, reject) => calls.push({ channel, token, messages, keys, argv, settle: resolve, fail: reject })),
    afterTurn: (fn) => turns.push(fn),
    ...over,
  });
  const endTurn = (): void => {
    for (const fn of turns.splice(0)) fn();
  };
  return { b, calls, endTurn };
}

const reply = (n: number, from = 1): (string | number)[] => Array.from({ length: n }, (_, i) => ['e', from + i]).flat();

describe('PublishBatcher', () => {
  it('sends what one turn published as one script call per channel, in call order, and resolves each with its receipt', async () => {
    const { b, calls, endTurn } = setup();
    const blocks = [b.add('blocks', 'b1', 'tok', ''), b.add('blocks', 'b2', 'tok', 'cp2')];
    const txs = b.add('txs', 't1', 'tok', '');
    expect(calls).toHaveLength(0); // nothing leaves before the turn ends
    endTurn();
    expect(calls.map((c) => [c.channel, c.messages])).toEqual([['blocks', 2], ['txs', 1]]);
    expect(calls[0]!.keys).toEqual(['fence', 'cp', 'blocks:seq', 'blocks:epoch', 'blocks:hist']);
    expect(calls[0]!.argv).toEqual(['tok', 100, 'blocks:ps', 'e0', 0, 'b1', '', 'b2', 'cp2']);
    calls[0]!.settle(reply(2));
    calls[1]!.settle(reply(1, 7));
    expect(await Promise.all(blocks)).toEqual([{ epoch: 'e', seq: 1 }, { epoch: 'e', seq: 2 }]);
    expect(await txs).toEqual({ epoch: 'e', seq: 7 });
  });

  it('a new fencing token closes the channel\'s open batch first, so a batch never mixes tokens', () => {
    const { b, calls, endTurn } = setup();
    void b.add('blocks', 'a', 'old', '');
    void b.add('blocks', 'b', 'new', '');
    expect(calls.map((c) => c.token)).toEqual(['old']);
    endTurn();
    expect(calls.map((c) => c.token)).toEqual(['old', 'new']);
  });

  it('leaves early at maxMessages or maxBytes, without waiting for the turn', () => {
    const byCount = setup({ maxMessages: 2 });
    void byCount.b.add('txs', 'a', '', '');
    void byCount.b.add('txs', 'b', '', '');
    expect(byCount.calls).toHaveLength(1);
    const byBytes = setup({ maxBytes: 5 });
    void byBytes.b.add('txs', 'abc', '', '');
    void byBytes.b.add('txs', 'de', '', '');
    expect(byBytes.calls).toHaveLength(1);
  });

  it('a failed call fails every message of its batch; a malformed reply is a CHAINFAN_DECODE_FAILED for each', async () => {
    const { b, calls, endTurn } = setup();
    const failed = [b.add('txs', 'a', '', ''), b.add('txs', 'b', '', '')];
    endTurn();
    const down = new ChainfanError('CHAINFAN_BUS_DOWN', 'gone');
    calls[0]!.fail(down);
    for (const p of failed) await expect(p).rejects.toBe(down);
    const odd = b.add('txs', 'c', '', '');
    endTurn();
    calls[1]!.settle(['e']);
    await expect(odd).rejects.toMatchObject({ code: 'CHAINFAN_DECODE_FAILED' });
  });

  it('flush() with nothing open sends nothing', () => {
    const { b, calls } = setup();
    b.flush();
    expect(calls).toEqual([]);
  });
});
