// Test helper: lets queued promise work run, then waits for the ingestor's queue (no timer involved).
import type { Ingestor } from '../ingestor.js';

export async function settle(i: Ingestor): Promise<void> {
  for (let n = 0; n < 3; n++) {
    await new Promise((r) => setImmediate(r));
    await i.idle();
  }
}
