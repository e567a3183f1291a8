// The last blocks from the edge's history, so the dashboard has something to show before the next block: ask where
// the `blocks` channel stands ("now"), then subscribe again from a few messages before it; the edge replays them and
// acks after the replay. One short-lived socket of its own; browser-safe (no Node imports).
import type { BlockData } from '@chainfan/client';

export interface FetchRecentBlocksOptions {
  /** WebSocket implementation (default: the global one) */
  readonly WebSocket?: new (url: string) => WebSocket;
  /** give up (resolve with what arrived) after this long; default 5 000 */
  readonly timeoutMs?: number;
}

interface Position {
  readonly epoch: string;
  readonly seq: number;
}

/** Up to `n` most recent blocks, newest first; [] when the edge has no history or does not answer in time. */
export function fetchRecentBlocks(url: string, n: number, opts: FetchRecentBlocksOptions = {}): Promise<BlockData[]> {
  const Ctor = opts.WebSocket ?? globalThis.WebSocket;
  return new Promise((resolve) => {
    const blocks = new Map<string, BlockData>();
    let ws: WebSocket;
    try {
      ws = new Ctor(url);
    } catch {
      resolve([]);
      return;
    }
    let phase: 'where' | 'replay' = 'where';
    const done = (): void => {
      clearTimeout(timer);
      try {
        ws.close();
      } catch {
        // already closed
      }
      resolve([...blocks.values()].sort((a, b) => b.height - a.height).slice(0, n));
    };
    const timer = setTimeout(done, opts.timeoutMs ?? 5_000);
    ws.onerror = done;
    ws.onclose = done;
    ws.onopen = () => ws.send(JSON.stringify({ action: 'subscribe', topic: 'blocks', since: 'now' }));
    ws.onmessage = (ev: MessageEvent) => {
      let msg: { type?: unknown; data?: Record<string, unknown> };
      try {
        msg = JSON.parse(String(ev.data)) as typeof msg;
      } catch {
        return; // not ours to judge: the live client reports bad frames
      }
      if (msg.type === 'block' && msg.data !== undefined && phase === 'replay') {
        const b = msg.data as unknown as BlockData;
        if (typeof b.hash === 'string') blocks.set(b.hash, b);
        return;
      }
      if (msg.type === 'error') return done();
      if (msg.type !== 'subscription' || msg.data?.['action'] !== 'subscribe') return;
      if (phase === 'replay') return done(); // the ack comes after the replay
      const at = (msg.data['positions'] as Record<string, Position> | undefined)?.['blocks'];
      if (at === undefined || typeof at.seq !== 'number' || at.seq === 0) return done(); // nothing before now
      phase = 'replay';
      ws.send(JSON.stringify({ action: 'unsubscribe', topic: 'blocks' }));
      // `n` channel messages back: the blocks channel also carries reorg notices, so it may be a few blocks fewer
      ws.send(JSON.stringify({ action: 'subscribe', topic: 'blocks', since: { epoch: at.epoch, seq: Math.max(0, at.seq - n) } }));
    };
  });
}
