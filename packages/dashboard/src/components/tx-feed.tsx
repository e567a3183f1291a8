// A scrolling feed of new transactions; asset issues and transfers (topic `assets`) are highlighted in place.
import type { AssetData } from '@chainfan/client';
import { useChainfan } from '@chainfan/react';
import { type ReactNode, useMemo } from 'react';
import { formatAmount, formatBytes, shortHash } from '../format.js';
import { assetMoves, firstAddress, totalOut } from '../metrics.js';

const FEED = 60;

export function TxFeed({ onWatch }: { readonly onWatch: (address: string) => void }): ReactNode {
  const txs = useChainfan('transactions', { keep: FEED });
  const assets = useChainfan('assets', { keep: FEED * 2 });
  const byTx = useMemo(() => {
    const m = new Map<string, AssetData[]>();
    for (const { data } of assets.messages) m.set(data.txid, [...(m.get(data.txid) ?? []), data]);
    return m;
  }, [assets.messages]);
  return (
    <section className="panel feed" aria-labelledby="feed-h">
      <h2 id="feed-h">
        Transactions <span className="muted small">{txs.count} seen · {assets.count} asset events</span>
      </h2>
      <ol className="scroll" data-testid="tx-feed">
        {txs.messages.length === 0 && <li className="empty">waiting for transactions…</li>}
        {txs.messages.map(({ data: tx }) => {
          const moves = assetMoves(tx, byTx.get(tx.txid));
          const to = firstAddress(tx);
          return (
            <li key={tx.txid} className={moves.length > 0 ? 'tx tx-asset' : 'tx'} data-testid="tx-row" data-txid={tx.txid}>
              <span className="mono" title={tx.txid}>{shortHash(tx.txid, 10, 4)}</span>
              <span className="muted">{tx.vin?.length ?? 0}→{tx.vout?.length ?? 0}</span>
              <span className="num">{formatAmount(totalOut(tx))} EVR</span>
              <span className="muted num">{formatBytes(tx.size)}</span>
              {to !== undefined && (
                <button type="button" className="link mono" title={`watch ${to}`} onClick={() => onWatch(to)}>
                  {shortHash(to, 6, 4)}
                </button>
              )}
              {moves.map((m, i) => (
                <span key={i} className={`asset asset-${m.kind}`}>
                  ◆ {m.kind} {formatAmount(m.amount)} {m.name}
                </span>
              ))}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
