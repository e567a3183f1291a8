// Network metrics derived from the blocks stream: transactions per second and block interval per block (header
// times), and the current difficulty.
import { useChainfan } from '@chainfan/react';
import { type ReactNode, useMemo } from 'react';
import { networkSummary } from '../metrics.js';
import { BarChart, LineChart } from './charts.js';

const WINDOW = 40;

export function NetworkPanel(): ReactNode {
  const { messages } = useChainfan('blocks', { keep: WINDOW });
  const s = useMemo(() => networkSummary(messages.map((m) => m.data)), [messages]);
  const fmt = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
  return (
    <section className="panel network" aria-labelledby="network-h" data-testid="network-chart">
      <h2 id="network-h">Network</h2>
      <dl className="stats">
        <div><dt>tx/s</dt><dd>{fmt(s.txPerS)}</dd></div>
        <div><dt>block interval</dt><dd>{fmt(s.meanIntervalS, 1)} s</dd></div>
        <div><dt>difficulty</dt><dd>{Number.isFinite(s.difficulty) ? s.difficulty.toPrecision(6) : '–'}</dd></div>
      </dl>
      <h3>tx/s per block</h3>
      <LineChart label="transactions per second per block" unit="tx/s" xLabel={`last ${s.points.length} blocks`} values={s.points.map((p) => p.txPerS)} />
      <h3>block interval (s)</h3>
      <BarChart label="seconds between blocks" unit="s" xLabel={`last ${s.points.length} blocks`} values={s.points.map((p) => p.intervalS)} className="bars" />
    </section>
  );
}
