// The gateway's own view during an open-loop run, scraped from its /metrics once a second: what the
// admission saw (limit, requests in flight, the oldest wait), how late its event loop ran, and, from the
// histograms' bucket deltas, how long requests took from the moment the gateway saw them (onRequest) and
// how long Kafka took to acknowledge. Set beside the latency the client saw, it says where a request
// waited: before the gateway looked at it (socket, event loop) or after (admitted, Kafka).

/** One scrape: `name{labels}` -> value, as the text format spells it. */
export type Scrape = Map<string, number>;

export async function scrape(metricsUrl: string): Promise<Scrape | null> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    const values: Scrape = new Map();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      values.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return values;
  } catch {
    return null; // a gateway too busy to answer within 2 s: a gap in the timeline, not a failure
  }
}

/** The `q` quantile (0..1) of a histogram's observations between two scrapes, in ms (bucket upper bound). */
export function quantileMs(
  before: Scrape,
  after: Scrape,
  name: string,
  labels: string,
  q: number,
): number | null {
  const buckets: [number, number][] = [];
  for (const [key, value] of after) {
    if (!key.startsWith(`${name}_bucket{`) || !key.includes(labels)) continue;
    const le = /le="([^"]+)"/.exec(key)![1]!;
    buckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), value - (before.get(key) ?? 0)]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const bucket = buckets.find(([, count]) => count >= q * total)!;
  return bucket[0] * 1000;
}

/** A metric without labels of its own (the registry's default `service` label aside). */
export function gaugeOf(values: Scrape, name: string): number | undefined {
  for (const [key, value] of values) if (key === name || key.startsWith(`${name}{`)) return value;
  return undefined;
}
