// The CPU work on a report body, one named step per stream: parse -> normalize -> encode. No I/O: the same
// function runs in a work thread (work-threads.ts) or, with WORK_THREADS=0, in the event loop's work
// turns (work-turns.ts). What comes in and goes out is plain data (bytes, strings, numbers), so it crosses
// to and from a thread as it is.
import { randomUUID } from 'node:crypto';
import {
  type DroppableDecisionField,
  type EncodedDecisionChunk,
  encodeDecisionChunk,
  type Limits,
  type NormalizeContext,
  normalizeStatus,
  normalizeTelemetry,
  statusCodecWriting,
  type TelemetryReport,
  telemetryCodec,
} from '@opa-fleet/contracts';
import { parseJson } from './request-body';
import { createWorkTurns } from './work-turns';

/** What the work needs besides the report: the same for every report of one gateway. */
export interface ReportWorkSettings {
  /** The status schema version records are written with (STATUS_SCHEMA_VERSION). */
  statusSchemaVersion: number;
  /** Overrides of the contract's limits; none: DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** Decision fields dropped before storage (DECISION_DROP_FIELDS). */
  decisionDropFields: readonly DroppableDecisionField[];
  /** The largest DecisionBatch record (LOGS_RECORD_MAX_BYTES). */
  logsRecordMaxBytes: number;
}

export type DecisionContext = Omit<NormalizeContext, 'eventId'>;

/** One report's work: its stream, its raw (inflated) body and the envelope the gateway gave it. */
export type ReportJob =
  | { kind: 'status'; body: Uint8Array; context: NormalizeContext }
  | { kind: 'telemetry'; body: Uint8Array; context: NormalizeContext }
  | { kind: 'decisions'; body: Uint8Array; context: DecisionContext };

export type ReportKind = ReportJob['kind'];

export interface ReportResults {
  /** The record and its key (the instance id). */
  status: { id: string; record: Buffer };
  /** The record and the report (the reply names the client's platform and version). */
  telemetry: { report: TelemetryReport; record: Buffer };
  /** The valid events as DecisionBatch records, and each invalid event with its error. */
  decisions: EncodedDecisionChunk;
}

export type ReportResult = ReportResults[ReportKind];

/** Runs jobs: in work threads (work-threads.ts) or in the event loop's turns (reportWorkInTurns). */
export interface ReportWorker {
  run<K extends ReportKind>(job: Extract<ReportJob, { kind: K }>): Promise<ReportResults[K]>;
  /** Jobs accepted and not yet started. */
  queued(): number;
  /** Whether jobs run at once (the threads have started). */
  ready(): boolean;
  /** Stops the work: threads end once their jobs are answered; jobs run after it are refused. */
  close(): Promise<void>;
}

/** The work itself, for one gateway's settings. Throws ContractError / GatewayError for a bad report. */
export function createReportWork(settings: ReportWorkSettings): (job: ReportJob) => ReportResult {
  const statusWriter = statusCodecWriting(settings.statusSchemaVersion);
  const { limits, logsRecordMaxBytes } = settings;
  const decisionOptions = { limits, drop: new Set(settings.decisionDropFields) };
  return (job) => {
    const value = parseJson(asBuffer(job.body));
    switch (job.kind) {
      case 'status': {
        const report = normalizeStatus(value, job.context, limits);
        return { id: report.labels.id, record: statusWriter.encode(report) };
      }
      case 'telemetry': {
        const report = normalizeTelemetry(value, job.context, limits);
        return { report, record: telemetryCodec.encode(report) };
      }
      case 'decisions':
        return encodeDecisionChunk(value, job.context, randomUUID, decisionOptions, logsRecordMaxBytes);
    }
  };
}

/** A Buffer over the same bytes (what crosses from a thread arrives as a plain Uint8Array). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The work on the event loop itself, in turns of at most `budgetMs` (work-turns.ts; WORK_THREADS=0). */
export function reportWorkInTurns(settings: ReportWorkSettings, budgetMs: number): ReportWorker {
  const work = createReportWork(settings);
  const turns = createWorkTurns({ budgetMs });
  return {
    run: (job) => turns.run(() => work(job)) as Promise<never>,
    queued: turns.queued,
    ready: () => true,
    close: async () => {},
  };
}

/**
 * Bodies under `minBytes` to `small`, the rest to `large`: a job's trip to a thread and back costs the
 * event loop more than a small body's work (with every job in threads, version checks reached 38% of the
 * bare server against 66% for the Fastify + Kafka floor, 288 µs of CPU per check against 171 µs with them
 * on the loop), so small bodies are worked on the loop, where their turn is short anyway.
 */
export function bySize(small: ReportWorker, large: ReportWorker, minBytes: number): ReportWorker {
  return {
    run: (job) => (job.body.byteLength < minBytes ? small.run(job) : large.run(job)),
    queued: () => small.queued() + large.queued(),
    ready: () => small.ready() && large.ready(),
    close: async () => {
      await Promise.all([small.close(), large.close()]);
    },
  };
}
