// Display formatting shared by the panels: shortened hashes, byte sizes, coin amounts, "time since".

/** `0000abcd…ef12`: enough of both ends to tell hashes apart at a glance. */
export function shortHash(hash: string, head = 8, tail = 6): string {
  return hash.length <= head + tail + 1 ? hash : `${hash.slice(0, head)}…${hash.slice(-tail)}`;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1_000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1_000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(2)} MB`;
}

/** Coin amounts up to 8 decimals, trailing zeros dropped. */
export function formatAmount(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { maximumFractionDigits: 8 });
}

/** `3 s`, `2 min 5 s`, `1 h 4 min`; a time in the future (clock skew) shows as `0 s`. */
export function formatSince(fromSeconds: number, nowMs: number): string {
  const s = Math.max(0, Math.floor(nowMs / 1_000 - fromSeconds));
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
