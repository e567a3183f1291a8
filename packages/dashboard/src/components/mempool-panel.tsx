// Mempool size over time from the periodic `mempool` summaries ({size, bytes, usage}).
import { useChainfan } from '@chainfan/react';
import type { ReactNode } from 'react';
import { formatBytes } from '../format.js';
import { LineChart } from './charts.js';

const WINDOW = 60;

export function MempoolPanel(): ReactNode {
  const { messages, data } = useChainfan('mempool', { keep: WINDOW });
  const sizes = messages.map((m) => m.data.size).reverse();
  return (
    <section className="panel mempool" aria-labelledby="mempool-h" data-testid="mempool-chart">
      <h2 id="mempool-h">Mempool</h2>
      <dl className="stats">
        <div><dt>transactions</dt><dd data-testid="mempool-size">{data?.size ?? '–'}</dd></div>
        <div><dt>size</dt><dd>{data ? formatBytes(data.bytes) : '–'}</dd></div>
        <div><dt>memory</dt><dd>{data ? formatBytes(data.usage) : '–'}</dd></div>
      </dl>
      <LineChart label="mempool transactions over time" unit="tx" xLabel={`last ${Math.max(sizes.length, 1)} summaries`} values={sizes} />
      <p className="muted small">{messages.length === 0 ? 'waiting for the first summary…' : `last ${messages.length} summaries`}</p>
    </section>
  );
}
