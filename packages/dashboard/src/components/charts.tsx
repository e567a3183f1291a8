// Hand-written SVG charts: a line (with area) and bars, scaled to their own data; no chart library. Each has a y axis
// with ticks in its unit and an x axis saying what the points are, so a reader never has to guess the scale.
import type { ReactNode } from 'react';

export interface ChartProps {
  readonly values: readonly number[];
  /** unit of the values, shown on the y axis (`tx`, `tx/s`, `s`, `B`) */
  readonly unit: string;
  /** what the x axis runs over, oldest to newest (`last 5 min`, `last 20 blocks`) */
  readonly xLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** accessible name, also the test hook */
  readonly label: string;
  readonly className?: string;
}

const W = 320;
const H = 96;
/** left gutter for the y tick labels */
const LEFT = 40;
const RIGHT = 4;
const TOP = 8;
/** bottom gutter for the x axis label */
const BOTTOM = 16;

export interface Scale {
  readonly y: (v: number) => number;
  readonly ticks: readonly number[];
}

/** A y scale from 0 (or the lowest negative value) to a rounded maximum, with three ticks. */
export function yScale(values: readonly number[], height: number): Scale {
  const finite = values.filter(Number.isFinite);
  const min = Math.min(0, ...finite);
  const top = niceCeil(finite.length === 0 ? 1 : Math.max(...finite, min + 1e-9));
  const span = top - min || 1;
  const plot = height - TOP - BOTTOM;
  return { y: (v) => TOP + plot - ((v - min) / span) * plot, ticks: [min, (min + top) / 2, top] };
}

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above v (v > 0): tick labels stay short and round. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function Axes({ width, height, scale, unit, xLabel }: { width: number; height: number; scale: Scale; unit: string; xLabel: string }): ReactNode {
  const base = height - BOTTOM;
  return (
    <g className="chart-axes">
      <line className="chart-axis" x1={LEFT} x2={width - RIGHT} y1={base} y2={base} />
      <line className="chart-axis" x1={LEFT} x2={LEFT} y1={TOP} y2={base} />
      {scale.ticks.map((t, i) => (
        <g key={i}>
          <line className="chart-grid" x1={LEFT} x2={width - RIGHT} y1={scale.y(t)} y2={scale.y(t)} />
          <text className="chart-tick" x={LEFT - 4} y={scale.y(t) + 4} textAnchor="end" data-tick={t}>
            {formatTick(t)}
            {i === scale.ticks.length - 1 ? ` ${unit}` : ''}
          </text>
        </g>
      ))}
      <text className="chart-xlabel" x={width - RIGHT} y={height - 3} textAnchor="end">
        {xLabel} →
      </text>
    </g>
  );
}

export function LineChart({ values, unit, xLabel, width = W, height = H, label, className }: ChartProps): ReactNode {
  const scale = yScale(values, height);
  const { y } = scale;
  const base = height - BOTTOM;
  const step = values.length > 1 ? (width - LEFT - RIGHT) / (values.length - 1) : 0;
  const pts = values.map((v, i) => `${(LEFT + i * step).toFixed(1)},${y(Number.isFinite(v) ? v : 0).toFixed(1)}`);
  return (
    <svg className={`chart ${className ?? ''}`} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label} (${unit})`} data-points={values.length} data-unit={unit}>
      <Axes width={width} height={height} scale={scale} unit={unit} xLabel={xLabel} />
      {pts.length > 1 && (
        <>
          <polygon className="chart-area" points={`${LEFT},${base} ${pts.join(' ')} ${LEFT + (pts.length - 1) * step},${base}`} />
          <polyline className="chart-line" points={pts.join(' ')} />
        </>
      )}
      {pts.length === 1 && <circle className="chart-dot" cx={LEFT} cy={y(values[0] ?? 0)} r={3} />}
    </svg>
  );
}

export function BarChart({ values, unit, xLabel, width = W, height = H, label, className }: ChartProps): ReactNode {
  const scale = yScale(values, height);
  const { y } = scale;
  const base = height - BOTTOM;
  const slot = values.length > 0 ? (width - LEFT - RIGHT) / values.length : 0;
  return (
    <svg className={`chart ${className ?? ''}`} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label} (${unit})`} data-points={values.length} data-unit={unit}>
      <Axes width={width} height={height} scale={scale} unit={unit} xLabel={xLabel} />
      {values.map((v, i) => {
        const top = y(Number.isFinite(v) ? v : 0);
        return <rect key={i} className="chart-bar" x={LEFT + i * slot + 1} y={top} width={Math.max(1, slot - 2)} height={Math.max(0, base - top)} />;
      })}
    </svg>
  );
}

export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1_000_000) return `${(v / 1_000_000).toFixed(1)}M`;
  if (Math.abs(v) >= 1_000) return `${(v / 1_000).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
