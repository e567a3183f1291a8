// The dashboard: one shared connection for blocks, transactions, assets and mempool; the address watch has its own.
import { ChainfanProvider } from '@chainfan/react';
import { type ReactNode, useState } from 'react';
import { AddressWatch } from './components/address-watch.js';
import { BlocksPanel } from './components/blocks-panel.js';
import { ConnectionBadge } from './components/connection-badge.js';
import { MempoolPanel } from './components/mempool-panel.js';
import { NetworkPanel } from './components/network-panel.js';
import { TxFeed } from './components/tx-feed.js';

export function App({ url }: { readonly url: string }): ReactNode {
  const [watched, setWatched] = useState('');
  return (
    <ChainfanProvider url={url}>
      <header className="top">
        <h1>
          chainfan <span className="muted">live chain</span>
        </h1>
        <ConnectionBadge url={url} />
      </header>
      <main className="grid">
        <BlocksPanel url={url} />
        <NetworkPanel />
        <MempoolPanel />
        <TxFeed onWatch={setWatched} />
        <AddressWatch url={url} address={watched} onWatch={setWatched} />
      </main>
      <footer className="muted small">
        {url} · evrmore-rpc WebSocket protocol · reconnects by itself
      </footer>
    </ChainfanProvider>
  );
}
