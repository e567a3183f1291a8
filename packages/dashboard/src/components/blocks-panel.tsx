// Latest blocks: height, hash, transaction count, size, and time since (by header time).
import { useChainfan } from '@chainfan/react';
import type { ReactNode } from 'react';
import { formatBytes, formatSince, shortHash } from '../format.js';
import { useNow } from '../use-now.js';

export function BlocksPanel(): ReactNode {
  const { messages, status } = useChainfan('blocks', { keep: 12 });
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
