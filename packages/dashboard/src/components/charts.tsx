// Hand-written SVG charts: a line (with area) and bars, scaled to their own data; no chart library.
import type { ReactNode } from 'react';

export interface ChartProps {
  readonly values: readonly number[];
  readonly width?: number;
  readonly height?: number;
  /** accessible name, also the test hook */
  readonly label: string;
  readonly className?: string;
}

const W = 320;
const H = 80;
const PAD = 4;
/** room above the plot for the `max` label, so it never sits on a bar or the line */
const PAD_TOP = 16;

function scale(values: readonly number[], height: number): { readonly y: (v: number) => number; readonly max: number; readonly min: number } {
  const finite = values.filter(Number.isFinite);
  const max = finite.length === 0 ? 1 : Math.max(...finite);
  const min = Math.min(0, ...finite);
  const span = max - min || 1;
  return { y: (v) => height - PAD - ((v - min) / span) * (height - PAD - PAD_TOP), max, min };
}

export function LineChart({ values, width = W, height = H, label, className }: ChartProps): ReactNode {
  const { y, max } = scale(values, height);
  const step = values.length > 1 ? (width - 2 * PAD) / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(PAD + i * step).toFixed(1)},${y(Number.isFinite(v) ? v : 0).toFixed(1)}`);
  return (
    <svg className={`chart ${className ?? ''}`} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-points={values.length}>
      <line className="chart-axis" x1={PAD} x2={width - PAD} y1={height - PAD} y2={height - PAD} />
      {pts.length > 1 && (
        <>
          <polygon className="chart-area" points={`${PAD},${height - PAD} ${pts.join(' ')} ${PAD + (pts.length - 1) * step},${height - PAD}`} />
          <polyline className="chart-line" points={pts.join(' ')} />
        </>
      )}
      {pts.length === 1 && <circle className="chart-dot" cx={PAD} cy={y(values[0] ?? 0)} r={3} />}
      <text className="chart-label" x={width - PAD} y={12} textAnchor="end">
        max {formatTick(max)}
      </text>
    </svg>
  );
}

export function BarChart({ values, width = W, height = H, label, className }: ChartProps): ReactNode {
  const { y, max } = scale(values, height);
  const slot = values.length > 0 ? (width - 2 * PAD) / values.length : 0;
  return (
    <svg className={`chart ${className ?? ''}`} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-points={values.length}>
      <line className="chart-axis" x1={PAD} x2={width - PAD} y1={height - PAD} y2={height - PAD} />
      {values.map((v, i) => {
        const top = y(Number.isFinite(v) ? v : 0);
        return <rect key={i} className="chart-bar" x={PAD + i * slot + 1} y={top} width={Math.max(1, slot - 2)} height={Math.max(0, height - PAD - top)} />;
      })}
      <text className="chart-label" x={width - PAD} y={12} textAnchor="end">
        max {formatTick(max)}
      </text>
    </svg>
  );
}

function formatTick(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  if (Math.abs(v) >= 1_000) return `${(v / 1_000).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
