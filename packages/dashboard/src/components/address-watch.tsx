// Address watch: subscribes `address:<addr>` on a connection of its own, so every transaction that connection
// receives is the address's (spends included, which a shared connection could not tell apart by their fields).
import { ChainfanProvider, useChainfan } from '@chainfan/react';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { formatAmount, formatBytes, shortHash } from '../format.js';
import { assetMoves, receivedBy } from '../metrics.js';

export interface AddressWatchProps {
  readonly url: string;
  readonly address: string;
  readonly onWatch: (address: string) => void;
}

export function AddressWatch({ url, address, onWatch }: AddressWatchProps): ReactNode {
  const [draft, setDraft] = useState(address);
  useEffect(() => setDraft(address), [address]);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    onWatch(draft.trim());
  };
  return (
    <section className="panel watch" aria-labelledby="watch-h">
      <h2 id="watch-h">Address watch</h2>
      <form onSubmit={submit} className="watch-form">
        <input
          data-testid="address-input"
          aria-label="address to watch"
          placeholder="an Evrmore address, e.g. E…"
          value={draft}
          spellCheck={false}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" data-testid="address-submit">Watch</button>
        {address !== '' && (
          <button type="button" className="secondary" onClick={() => onWatch('')}>Clear</button>
        )}
      </form>
      {address === '' ? (
        <p className="empty">Type an address (or click one in the feed) to see its transactions arrive live.</p>
      ) : (
        <ChainfanProvider url={url}>
          <Watched address={address} />
        </ChainfanProvider>
      )}
    </section>
  );
}

function Watched({ address }: { readonly address: string }): ReactNode {
  const { messages, status, error, count } = useChainfan(`address:${address}`, { keep: 30 });
  return (
    <div data-testid="address-watch" data-status={status} data-address={address}>
      <p className="muted small">
        {status === 'error'
          ? `refused: ${error?.message ?? 'unknown error'}`
          : status === 'subscribed'
            ? `watching ${shortHash(address, 10, 6)} · ${count} transaction${count === 1 ? '' : 's'} so far`
            : 'subscribing…'}
      </p>
      <ol className="scroll short">
        {messages.map(({ data: tx }) => {
          const { amount, listed } = receivedBy(tx, address);
          const moves = assetMoves(tx).filter((m) => m.address === address);
          return (
            <li key={`${tx.txid}:${tx.blockhash ?? ''}`} className="tx" data-testid="address-tx" data-txid={tx.txid}>
              <span className="mono" title={tx.txid}>{shortHash(tx.txid, 10, 4)}</span>
              {!listed && <span className="out">spent from</span>}
              {listed && (amount > 0 || moves.length === 0) && <span className="in">+{formatAmount(amount)} EVR</span>}
              <span className="muted num">{formatBytes(tx.size)}</span>
              <span className="muted">{tx.blockhash === undefined ? 'mempool' : 'in block'}</span>
              {moves.map((m, i) => (
                <span key={i} className={`asset asset-${m.kind}`}>◆ {formatAmount(m.amount)} {m.name}</span>
              ))}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
