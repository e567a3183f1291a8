// Test-only: read a metric's summed value (without loading the edge, so unit tests can use it).

type MetricLike = { get(): Promise<{ values: readonly { labels: Partial<Record<string, string | number>>; value: number }[] }> };

/** Sum of a metric's values whose labels include `labels`. */
export async function metricValue(metric: MetricLike, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
}
