// Waiting on a channel feed without polling: until it delivers its next message, or a slice of time passes (the caller
// then looks again), whichever comes first; never past the caller's deadline.
import type { Clock } from '../clock.js';
import type { ChannelFeed } from './channel-feed.js';

export function waitForAdvance(feed: ChannelFeed, clock: Clock, deadline: number, sliceMs: number): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      remove();
      cancelTimer();
      resolve();
    };
    const remove = feed.onAdvance(finish);
    const cancelTimer = clock.setTimeout(finish, Math.max(1, Math.min(sliceMs, deadline - clock.now())));
  });
}
