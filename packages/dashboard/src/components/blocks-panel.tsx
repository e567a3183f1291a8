// Latest blocks: height, hash, transaction count, size, and time since (by header time). The edge's history fills
// the table on load; live blocks are added as they come.
import type { BlockData } from '@chainfan/client';
import { useChainfan } from '@chainfan/react';
import { type ReactNode, useEffect, useState } from 'react';
import { formatBytes, formatSince, shortHash } from '../format.js';
import { fetchRecentBlocks } from '../recent-blocks.js';
import { useNow } from '../use-now.js';

const KEEP = 12;

export function BlocksPanel({ url }: { readonly url: string }): ReactNode {
  const live = useChainfan('blocks', { keep: KEEP });
  const [recent, setRecent] = useState<readonly BlockData[]>([]);
  useEffect(() => {
    let cancelled = false;
    void fetchRecentBlocks(url, KEEP).then((b) => {
      if (!cancelled) setRecent(b);
    });
    return () => {
      cancelled = true;
    };
  }, [url]);
  const byHash = new Map<string, BlockData>();
  for (const b of [...recent, ...live.messages.map((m) => m.data)]) byHash.set(b.hash, b);
  const messages = [...byHash.values()].sort((a, b) => b.height - a.height).slice(0, KEEP).map((data) => ({ data }));
  const status = live.status;
  const now = useNow();
  return (
    <section className="panel blocks" aria-labelledby="blocks-h">
      <h2 id="blocks-h">Latest blocks</h2>
      {messages.length === 0 ? (
        <p className="empty">{status === 'error' ? 'subscription refused' : 'waiting for the next block…'}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>height</th>
              <th>hash</th>
              <th className="num">txs</th>
              <th className="num">size</th>
              <th className="num">age</th>
            </tr>
          </thead>
          <tbody>
            {messages.map(({ data: b }) => (
              <tr key={b.hash} data-testid="block-row" data-height={b.height} data-hash={b.hash}>
                <td className="mono">#{b.height}</td>
                <td className="mono" title={b.hash}>{shortHash(b.hash)}</td>
                <td className="num">{b.tx?.length ?? 0}</td>
                <td className="num">{formatBytes(b.size)}</td>
                <td className="num">{formatSince(b.time, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
