// The fleet's decision logs, like OPA's decision_logs plugin with its periodic trigger: every instance
// buffers the decisions it makes and uploads the buffer every `uploadIntervalMs`, split into chunks under
// the upload size limit, to `/logs` (or `/logs/<partition>` for an instance with a partition). A chunk
// that got no 2xx is requeued and goes again with that instance's next upload, as OPA requeues it.
// Pure given the clock values passed in and the seeded random: the same seed gives the same uploads,
// but for the decision ids (see DecisionLogOptions.newDecisionId).
import { randomUUID } from 'node:crypto';
import { encodeDecisionChunks, OPA_UPLOAD_SIZE_LIMIT_BYTES } from './decision-chunks';
import { type DecisionEventBody, decisionEvent } from './decision-events';
import type { SimulatedInstance } from './fleet';
import type { Random } from './random';
import { type OutgoingReport, opaHeaders } from './reports';

export interface DecisionLogOptions {
  /** Decisions per second over the whole fleet (0: none). */
  eventsPerSecond: number;
  /** How often each instance uploads its buffer (OPA's min/max_delay_seconds; OPA's default is 300-600 s). */
  uploadIntervalMs: number;
  /** OPA's upload_size_limit_bytes: the largest gzipped chunk. */
  limitBytes?: number;
  /**
   * Decision ids. Random UUIDs by default, like OPA's, and not from the seed: the table keeps one row per
   * decision id, so a second run with the same seed must not look like a re-upload of the first.
   */
  newDecisionId?: () => string;
}

/** A chunk as the sender posts it, with what the simulator needs to account for its events. */
export interface DecisionUpload extends Omit<OutgoingReport, 'kind' | 'body'> {
  kind: 'decisions';
  /** The gzipped JSON array (Content-Encoding: gzip). */
  body: Buffer;
  events: number;
  decisionIds: string[];
  /** 0 for the first send; one more each time the chunk is requeued. */
  attempt: number;
  /** Position of the uploading instance in the fleet. */
  instance: number;
}

export interface DecisionLog {
  /** Makes the decisions due by `nowMs` and returns the chunks of every instance whose upload is due. */
  due(nowMs: number): DecisionUpload[];
  /** The chunks of every buffered decision (OPA uploads what it holds when it stops). */
  flush(nowMs: number): DecisionUpload[];
  /** A chunk that got no 2xx: it goes again, first, with its instance's next upload. */
  requeue(upload: DecisionUpload): void;
  /** Events dropped so far because one alone did not fit under the size limit. */
  readonly dropped: number;
  /** Events in requeued chunks not handed out again yet. */
  readonly requeued: number;
}

interface InstanceLog {
  instance: SimulatedInstance;
  buffer: DecisionEventBody[];
  /** Chunks to send again (requeued), oldest first. */
  retry: DecisionUpload[];
  nextUploadMs: number;
  reqId: number;
}

export function createDecisionLog(
  fleet: readonly SimulatedInstance[],
  random: Random,
  options: DecisionLogOptions,
): DecisionLog {
  const limitBytes = options.limitBytes ?? OPA_UPLOAD_SIZE_LIMIT_BYTES;
  const interval = Math.max(1, options.uploadIntervalMs);
  const newDecisionId = options.newDecisionId ?? randomUUID;
  const logs: InstanceLog[] = fleet.map((instance) => ({
    instance,
    buffer: [],
    retry: [],
    nextUploadMs: 0,
    reqId: 0,
  }));
  let startMs: number | null = null;
  let madeUntilMs = 0;
  let made = 0;
  let cursor = 0;
  let seq = 0;
  let dropped = 0;
  let requeued = 0;

  const start = (nowMs: number) => {
    startMs = nowMs;
    madeUntilMs = nowMs;
    // Staggered like a fleet that did not start in the same second: uploads spread over the interval.
    logs.forEach((log, i) => {
      log.nextUploadMs = nowMs + Math.round((interval * (i + 1)) / logs.length);
    });
  };

  /** The decisions the clock says are due, round-robin over the instances, spread over (madeUntil, now]. */
  const makeDue = (nowMs: number) => {
    const total = Math.floor(((nowMs - startMs!) / 1000) * options.eventsPerSecond);
    const count = total - made;
    for (let i = 1; i <= count; i++) {
      const log = logs[cursor]!;
      cursor = (cursor + 1) % logs.length;
      const atMs = Math.round(madeUntilMs + ((nowMs - madeUntilMs) * i) / count);
      log.reqId += 1;
      log.buffer.push(decisionEvent(log.instance, random, atMs, log.reqId, newDecisionId()));
    }
    made = total;
    madeUntilMs = nowMs;
  };

  const upload = (log: InstanceLog, index: number): DecisionUpload[] => {
    const again = log.retry;
    log.retry = [];
    requeued -= again.reduce((n, u) => n + u.events, 0);
    if (log.buffer.length === 0) return again;
    const events = log.buffer;
    log.buffer = [];
    const encoded = encodeDecisionChunks(events, limitBytes);
    dropped += encoded.dropped;
    const { partition } = log.instance;
    const fresh = encoded.chunks.map(
      (chunk): DecisionUpload => ({
        kind: 'decisions',
        seq: seq++,
        path: partition === null ? '/logs' : `/logs/${encodeURIComponent(partition)}`,
        headers: { ...opaHeaders(log.instance), 'content-encoding': 'gzip' },
        body: chunk.body,
        events: chunk.count,
        decisionIds: events.slice(chunk.first, chunk.first + chunk.count).map((e) => e.decision_id),
        attempt: 0,
        instance: index,
      }),
    );
    return [...again, ...fresh];
  };

  return {
    due(nowMs) {
      if (options.eventsPerSecond <= 0 || logs.length === 0) return [];
      if (startMs === null) start(nowMs);
      makeDue(nowMs);
      const uploads: DecisionUpload[] = [];
      for (const [index, log] of logs.entries()) {
        if (nowMs < log.nextUploadMs) continue;
        // The next slot after now (a late caller skips slots rather than uploading twice in a row).
        log.nextUploadMs += interval * (Math.floor((nowMs - log.nextUploadMs) / interval) + 1);
        uploads.push(...upload(log, index));
      }
      return uploads;
    },
    flush(nowMs) {
      if (startMs === null) return [];
      makeDue(nowMs);
      return logs.flatMap((log, index) => upload(log, index));
    },
    requeue(chunk) {
      logs[chunk.instance]!.retry.push({ ...chunk, attempt: chunk.attempt + 1 });
      requeued += chunk.events;
    },
    get dropped() {
      return dropped;
    },
    get requeued() {
      return requeued;
    },
  };
}
