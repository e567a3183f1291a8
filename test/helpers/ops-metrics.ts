// Reads one metric from a running role's ops endpoint (/metrics, Prometheus text), for conditions tests wait on.
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample of the exposition text (comments skipped); label values without escapes, as our metrics have. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the metric's samples whose labels include `match`; 0 when there are none. */
export async function metricSum(opsPort: number, name: string, match: Readonly<Record<string, string>> = {}): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
  const samples = parseExposition(await res.text());
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}
