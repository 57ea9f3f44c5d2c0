// Decision-log traffic as OPA's decision-log plugin makes it: gzipped JSON arrays of events posted to
// `/logs[/<partition>]`; a chunk answered with anything but 2xx (or not at all) is kept and sent again
// with backoff, as OPA does, until it gets a 2xx or the run's deadline passes. Loopback only, bounded.
import { gzipSync } from 'node:zlib';

export interface DecisionTrafficOptions {
  target: string;
  /** Names this run's decision ids and its policy path (`fault/<run>`), so queries can isolate it. */
  run: string;
  chunks: number;
  eventsPerChunk: number;
  /** New chunks per second. */
  rate: number;
  partition?: string;
  /** Give up on unacknowledged chunks after this long. */
  deadlineMs?: number;
}

export interface DecisionTrafficSummary {
  /** Decision ids of chunks that got a 2xx. */
  accepted: string[];
  /** Decision ids of chunks that never got one before the deadline. */
  unacknowledged: string[];
  /** Non-2xx answers (503 while Kafka is down) and failed requests, each followed by a retry. */
  retries: number;
  statusCodes: Record<number, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function decisionEvents(run: string, chunk: number, count: number, now = Date.now()) {
  return Array.from({ length: count }, (_, i) => ({
    labels: { id: `${run}-instance-${(chunk + i) % 5}`, version: '1.22.3' },
    decision_id: `${run}-${chunk}-${i}`,
    path: `fault/${run}`,
    input: { user: `user-${i}`, action: 'read', resource: { kind: 'doc', id: chunk * 1000 + i } },
    result: i % 3 !== 0,
    requested_by: '127.0.0.1:40000',
    timestamp: new Date(now).toISOString().replace('Z', '123456Z'),
    metrics: { timer_rego_query_eval_ns: 10_000 + i, timer_server_handler_ns: 20_000 + i },
    req_id: chunk * 1000 + i,
  }));
}

export async function runDecisionTraffic(options: DecisionTrafficOptions): Promise<DecisionTrafficSummary> {
  const url = `${options.target}/logs${options.partition ? `/${options.partition}` : ''}`;
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  const summary: DecisionTrafficSummary = { accepted: [], unacknowledged: [], retries: 0, statusCodes: {} };

  async function deliver(chunk: number): Promise<void> {
    const events = decisionEvents(options.run, chunk, options.eventsPerChunk);
    const body = gzipSync(Buffer.from(JSON.stringify(events)));
    const ids = events.map((e) => e.decision_id);
    for (let delay = 250; Date.now() < deadline; delay = Math.min(delay * 2, 4000)) {
      let status = 0;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'user-agent': 'Open-Policy-Agent/1.22.3 (linux, amd64)',
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = 0; // refused or timed out: OPA retries these too
      }
      summary.statusCodes[status] = (summary.statusCodes[status] ?? 0) + 1;
      if (status >= 200 && status < 300) {
        summary.accepted.push(...ids);
        return;
      }
      summary.retries += 1;
      await sleep(delay);
    }
    summary.unacknowledged.push(...ids);
  }

  const inFlight: Promise<void>[] = [];
  for (let chunk = 0; chunk < options.chunks; chunk++) {
    inFlight.push(deliver(chunk));
    await sleep(1000 / options.rate);
  }
  await Promise.all(inFlight);
  return summary;
}
