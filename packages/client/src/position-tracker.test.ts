import { describe, expect, it } from 'vitest';
import { PositionTracker } from './position-tracker.js';

describe('PositionTracker', () => {
  it('asks "now" until it knows a position, then resumes from the last frame seen', () => {
    const t = new PositionTracker();
    expect(t.sinceFor(['blocks'])).toBe('now');
    t.endRecovery(['blocks'], false, { blocks: { epoch: 'e', seq: 4 } });
    expect(t.sinceFor(['blocks', 'txs'])).toEqual({ blocks: { epoch: 'e', seq: 4 }, txs: 'now' });
    expect(t.accept('blocks', 'e', 5)).toBe(true);
    expect(t.accept('blocks', 'e', 5)).toBe(false); // the same event for a second topic
    expect(t.accept('blocks', 'e', 4)).toBe(false);
    expect(t.position('blocks')).toEqual({ epoch: 'e', seq: 5 });
  });

  it('while replaying, accepts out-of-order frames once each and completes at the ack position', () => {
    const t = new PositionTracker();
    t.endRecovery(['txs'], false, { txs: { epoch: 'e', seq: 10 } });
    t.beginRecovery(['txs']); // e.g. address:X replays 11.. while `transactions` is live at 20
    expect([t.accept('txs', 'e', 20), t.accept('txs', 'e', 12), t.accept('txs', 'e', 20), t.accept('txs', 'e', 12)]).toEqual([true, true, false, false]);
    expect(t.position('txs')).toEqual({ epoch: 'e', seq: 10 }); // not complete beyond 10 until the replay ends
    t.endRecovery(['txs'], true, { txs: { epoch: 'e', seq: 20 } });
    expect(t.position('txs')).toEqual({ epoch: 'e', seq: 20 });
    expect(t.accept('txs', 'e', 21)).toBe(true);
  });

  it('keeps positions across a lost socket and restarts on a new epoch', () => {
    const t = new PositionTracker();
    t.accept('blocks', 'e1', 7);
    t.beginRecovery(['blocks']);
    t.socketClosed();
    expect(t.sinceFor(['blocks'])).toEqual({ blocks: { epoch: 'e1', seq: 7 } });
    expect(t.accept('blocks', 'e2', 1)).toBe(true);
    expect(t.position('blocks')).toEqual({ epoch: 'e2', seq: 1 });
    t.resync('blocks', { epoch: 'e3', seq: 0 });
    expect(t.position('blocks')).toEqual({ epoch: 'e3', seq: 0 });
    t.resync('blocks', { epoch: 'e3', seq: 50 }); // same epoch: live topics may be further along; keep the position
    expect(t.position('blocks')).toEqual({ epoch: 'e3', seq: 0 });
  });
});
