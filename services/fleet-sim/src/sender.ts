// Sends the schedule's reports (and, when given, the fleet's decision-log chunks) to a gateway at a
// target rate with bounded concurrency, and counts what the gateway answered.
import http from 'node:http';
import type { DecisionLog, DecisionUpload } from './decision-log';
import { LatencyRecorder } from './latency';
import type { OutgoingReport } from './reports';
import type { Schedule } from './schedule';

export interface RunOptions {
  target: URL;
  /** Reports per second over the whole fleet. */
  rate: number;
  /** Stop after this many reports... */
  count?: number;
  /** ...or after this long, whichever comes first. */
  durationMs?: number;
  concurrency: number;
  requestTimeoutMs: number;
  /** Bearer token sent with status updates and decision logs, when the gateway requires one. */
  statusToken?: string;
  /** The fleet's decision logs, uploaded beside the reports (paced by their own rate); none when absent. */
  decisions?: DecisionLog;
  onProgress?: (progress: RunProgress) => void;
  /** Called at the moment each 2xx arrives (benchmarks time freshness from it). */
  onAccepted?: (request: OutgoingRequest) => void;
}

export interface KindCounts {
  sent: number;
  accepted: number;
}

export interface RunProgress {
  sent: number;
  accepted: number;
  /** 4xx: the gateway refused the report as invalid. */
  rejected: number;
  /** 5xx (503 when Kafka is unavailable): OPA would retry. */
  unavailable: number;
  /** No HTTP answer at all (connection refused, timeout). */
  failed: number;
  elapsedMs: number;
  ratePerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** What the sender posts: a report of the schedule or a decision-log chunk. */
export type OutgoingRequest = OutgoingReport | DecisionUpload;

export interface RunSummary extends RunProgress {
  /** Requests by kind (for `decisions`: chunks). */
  byKind: Record<OutgoingRequest['kind'], KindCounts>;
  /**
   * Decision events: sent (each once, however often its chunk went), accepted, dropped (too large for one
   * chunk, as OPA drops them), resent (in chunks sent again after a 5xx or no answer), unacknowledged
   * (in chunks requeued that the run ended before sending again).
   */
  decisionEvents: KindCounts & { dropped: number; resent: number; unacknowledged: number };
  /** Accepted status updates per request path (`/status/`, `/status/<partition>`). */
  acceptedStatusByPath: Record<string, number>;
  /** Sequence numbers of accepted reports by kind (see ScheduleOptions.trace). */
  acceptedSeqs: Record<OutgoingReport['kind'], number[]>;
  /** Sequence numbers of reports (not decision chunks) answered 5xx or not at all: OPA would send these again. */
  unansweredSeqs: number[];
  maxMs: number;
}

function post(agent: http.Agent, target: URL, report: OutgoingRequest, options: RunOptions): Promise<number> {
  const headers: Record<string, string | number> = {
    ...report.headers,
    'content-length': Buffer.byteLength(report.body),
  };
  if (report.kind !== 'version' && options.statusToken)
    headers.authorization = `Bearer ${options.statusToken}`;
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL(report.path, target),
      { method: 'POST', agent, headers, timeout: options.requestTimeoutMs },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('request timed out')));
    request.on('error', reject);
    request.end(report.body);
  });
}

export async function runFleet(schedule: Schedule, options: RunOptions): Promise<RunSummary> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latency = new LatencyRecorder();
  const summary: RunSummary = {
    sent: 0,
    accepted: 0,
    rejected: 0,
    unavailable: 0,
    failed: 0,
    elapsedMs: 0,
    ratePerSecond: 0,
    p50Ms: 0,
    p99Ms: 0,
    maxMs: 0,
    byKind: {
      version: { sent: 0, accepted: 0 },
      status: { sent: 0, accepted: 0 },
      decisions: { sent: 0, accepted: 0 },
    },
    decisionEvents: { sent: 0, accepted: 0, dropped: 0, resent: 0, unacknowledged: 0 },
    acceptedStatusByPath: {},
    acceptedSeqs: { version: [], status: [] },
    unansweredSeqs: [],
  };
  const started = performance.now();
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  let inFlight = 0;

  // OPA sends a decision chunk again (it requeues it on any non-2xx; a 4xx here counts as rejected
  // instead, since the same chunk would be refused for ever); a report it does not send again.
  const unanswered = (request: OutgoingRequest) => {
    if (request.kind === 'decisions') options.decisions?.requeue(request);
    else summary.unansweredSeqs.push(request.seq);
  };

  const sendOne = async (report: OutgoingRequest) => {
    const t0 = performance.now();
    try {
      const status = await post(agent, options.target, report, options);
      const ms = performance.now() - t0;
      latency.record(ms);
      summary.maxMs = Math.max(summary.maxMs, ms);
      if (status >= 200 && status < 300) {
        options.onAccepted?.(report);
        summary.accepted += 1;
        summary.byKind[report.kind].accepted += 1;
        if (report.kind === 'decisions') summary.decisionEvents.accepted += report.events;
        else summary.acceptedSeqs[report.kind].push(report.seq);
        if (report.kind === 'status')
          summary.acceptedStatusByPath[report.path] = (summary.acceptedStatusByPath[report.path] ?? 0) + 1;
      } else if (status >= 400 && status < 500) summary.rejected += 1;
      else {
        summary.unavailable += 1;
        unanswered(report);
      }
    } catch {
      summary.failed += 1;
      unanswered(report);
    } finally {
      inFlight -= 1;
    }
  };

  const progress = (): RunProgress => {
    const elapsedMs = performance.now() - started;
    return {
      sent: summary.sent,
      accepted: summary.accepted,
      rejected: summary.rejected,
      unavailable: summary.unavailable,
      failed: summary.failed,
      elapsedMs,
      ratePerSecond: summary.sent / Math.max(elapsedMs / 1000, 0.001),
      p50Ms: latency.percentile(50),
      p99Ms: latency.percentile(99),
    };
  };
  const ticker = options.onProgress ? setInterval(() => options.onProgress!(progress()), 250) : undefined;

  const start = (report: OutgoingRequest) => {
    summary.sent += 1;
    summary.byKind[report.kind].sent += 1;
    if (report.kind === 'decisions') {
      if (report.attempt === 0) summary.decisionEvents.sent += report.events;
      else summary.decisionEvents.resent += report.events;
    }
    inFlight += 1;
    void sendOne(report);
  };
  // Decision chunks wait here for a free request slot (the decision log paces itself by the clock).
  const chunks: DecisionUpload[] = [];
  const startChunks = () => {
    while (chunks.length > 0 && inFlight < options.concurrency) start(chunks.shift()!);
  };

  // Pace by the clock: at any moment at most rate × elapsed reports have been started.
  let reports = 0;
  while (reports < limit && performance.now() < deadline) {
    if (options.decisions) chunks.push(...options.decisions.due(Date.now()));
    startChunks();
    const due = Math.min(limit, Math.floor(((performance.now() - started) / 1000) * options.rate) + 1);
    while (reports < due && inFlight < options.concurrency) {
      reports += 1;
      start(schedule.next(Date.now()));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  // Like OPA stopping: what the instances still buffer is uploaded.
  if (options.decisions) chunks.push(...options.decisions.flush(Date.now()));
  while (inFlight > 0 || chunks.length > 0) {
    startChunks();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  summary.decisionEvents.dropped = options.decisions?.dropped ?? 0;
  summary.decisionEvents.unacknowledged = options.decisions?.requeued ?? 0;
  if (ticker) clearInterval(ticker);
  agent.destroy();
  Object.assign(summary, progress());
  return summary;
}
