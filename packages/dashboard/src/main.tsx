// Browser entry: connects to the edge that served the page (same host and port), or to `?ws=<url>`.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';

function edgeUrl(): string {
  const param = new URLSearchParams(window.location.search).get('ws');
  if (param !== null && /^wss?:\/\//.test(param)) return param;
  // under Vite's dev server (the only place with HMR) the page is on :5173 and the edge on its default port
  if (import.meta.hot !== undefined) return 'ws://127.0.0.1:8765/';
  return `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/`;
}

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App url={edgeUrl()} />
  </StrictMode>,
);
