// The dashboard's recent-blocks loader against a real `chainfan dev`: it reads the last blocks from the edge's
// history (position "now", then a replay from a few messages before it), so the page is not empty until the next block.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fetchRecentBlocks } from '@chainfan/dashboard';
import { waitFor } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import { RecordingClient } from './helpers/recording-client.js';

describe('dashboard: the last blocks on load', () => {
  let dev: ChainfanProcess;
  let wsUrl: string;
  beforeAll(async () => {
    dev = new ChainfanProcess('dev', [
      '--edge-port', '0', '--edge-ops-port', '0', '--ingestor-ops-port', '0', '--edge-static-dir', 'off', '--sim-block-interval-ms', '300',
    ], { REDIS_URL: '' });
    wsUrl = (await dev.waitForEvent('dev.ready', 60_000))['wsUrl'] as string;
  });
  afterAll(async () => {
    await dev?.stop('SIGTERM');
  });

  it('come from history, newest first, consecutive, and match what live subscribers saw', async () => {
    const live = await RecordingClient.connect(wsUrl, ['blocks']);
    try {
      await waitFor(() => live.messages.filter((m) => m.type === 'block').length >= 5, { timeoutMs: 30_000, message: 'five live blocks' });
      const recent = await fetchRecentBlocks(wsUrl, 4, { WebSocket: WebSocket as unknown as new (url: string) => globalThis.WebSocket });
      expect(recent).toHaveLength(4);
      const heights = recent.map((b) => b.height);
      expect(heights).toEqual([heights[0]!, heights[0]! - 1, heights[0]! - 2, heights[0]! - 3]);
      const seen = new Map(live.messages.filter((m) => m.type === 'block').map((m) => [(m.data as { height: number }).height, (m.data as { hash: string }).hash]));
      for (const b of recent) if (seen.has(b.height)) expect(b.hash).toBe(seen.get(b.height));
    } finally {
      live.close();
    }
  });

  it('is empty, not stuck, against an edge that does not answer', async () => {
    const started = Date.now();
    const none = await fetchRecentBlocks('ws://127.0.0.1:1/', 4, { WebSocket: WebSocket as unknown as new (url: string) => globalThis.WebSocket, timeoutMs: 5_000 });
    expect(none).toEqual([]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
