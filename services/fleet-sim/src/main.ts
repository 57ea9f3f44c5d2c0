#!/usr/bin/env -S npx tsx
// fleet-sim: N simulated OPA instances reporting to a gateway (and uploading decision logs). Exits 1 if
// any report or chunk was not accepted.
import { parseArgs } from 'node:util';
import { OPA_UPLOAD_SIZE_LIMIT_BYTES } from './decision-chunks';
import { createDecisionLog } from './decision-log';
import { createFleet } from './fleet';
import { seededRandom } from './random';
import { createSchedule } from './schedule';
import { type RunProgress, runFleet } from './sender';

const USAGE = `usage: fleet-sim [options]
  --target URL          gateway base URL (default http://127.0.0.1:8080, env FLEET_SIM_TARGET)
  --instances N         simulated OPA instances (default 100)
  --rate R              reports per second over the whole fleet (default 50)
  --count N             stop after N reports
  --duration S          stop after S seconds (default 10 when --count is not given)
  --seed N              random seed; the same seed gives the same fleet and reports (default 1)
  --partitions a,b      status partitions to spread instances over; an empty item means /status/ (default ",eu,us")
  --failing-share F     share of instances with a failing bundle (default 0.2)
  --day-seconds S       length of a simulated day: version reports repeat once per day (default 60)
  --concurrency N       maximum requests in flight (default 32)
  --decision-rate R     decisions per second over the whole fleet, uploaded as OPA's decision logs
                        (gzipped JSON arrays to /logs[/<partition>]); 0 sends none
                        (default 100, env FLEET_SIM_DECISION_RATE)
  --decision-upload-seconds S
                        how often each instance uploads its buffered decisions (default 10; OPA: 300-600)
  --decision-chunk-bytes B
                        largest gzipped chunk, OPA's upload_size_limit_bytes (default 32768)
  --token T             bearer token for status updates and decision logs (env FLEET_SIM_TOKEN)
  --json                print the summary as JSON on stdout
  --quiet               no live progress line`;

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    console.error(`fleet-sim: --${name} must be a non-negative number, got "${value}"\n\n${USAGE}`);
    process.exit(2);
  }
  return parsed;
}

function progressLine(p: RunProgress): string {
  return `sent ${p.sent}  accepted ${p.accepted}  rejected ${p.rejected}  unavailable ${p.unavailable}  failed ${p.failed}  ${p.ratePerSecond.toFixed(0)}/s  p50 ${p.p50Ms.toFixed(1)} ms  p99 ${p.p99Ms.toFixed(1)} ms`;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        target: { type: 'string' },
        instances: { type: 'string' },
        rate: { type: 'string' },
        count: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        partitions: { type: 'string' },
        'failing-share': { type: 'string' },
        'day-seconds': { type: 'string' },
        concurrency: { type: 'string' },
        'decision-rate': { type: 'string' },
        'decision-upload-seconds': { type: 'string' },
        'decision-chunk-bytes': { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  }
  try {
    args = parse();
  } catch (error) {
    console.error(`fleet-sim: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const target = new URL(args.target ?? process.env.FLEET_SIM_TARGET ?? 'http://127.0.0.1:8080');
  const seed = number(args.seed, 'seed', 1);
  const count = args.count === undefined ? undefined : number(args.count, 'count', 0);
  const durationS = number(args.duration, 'duration', count === undefined ? 10 : Number.POSITIVE_INFINITY);
  const fleet = createFleet({
    size: Math.max(1, number(args.instances, 'instances', 100)),
    seed,
    partitions: (args.partitions ?? ',eu,us').split(','),
    failingShare: number(args['failing-share'], 'failing-share', 0.2),
  });
  const schedule = createSchedule(fleet, seededRandom(seed + 1), {
    dayMs: number(args['day-seconds'], 'day-seconds', 60) * 1000,
    changeChance: 0.05,
  });
  const decisionRate = number(
    args['decision-rate'] ?? process.env.FLEET_SIM_DECISION_RATE,
    'decision-rate',
    100,
  );
  const decisions =
    decisionRate > 0
      ? createDecisionLog(fleet, seededRandom(seed + 2), {
          eventsPerSecond: decisionRate,
          uploadIntervalMs:
            Math.max(0.001, number(args['decision-upload-seconds'], 'decision-upload-seconds', 10)) * 1000,
          limitBytes: Math.max(
            1,
            number(args['decision-chunk-bytes'], 'decision-chunk-bytes', OPA_UPLOAD_SIZE_LIMIT_BYTES),
          ),
        })
      : undefined;
  const live = !args.quiet && process.stderr.isTTY;
  const summary = await runFleet(schedule, {
    target,
    rate: Math.max(0.1, number(args.rate, 'rate', 50)),
    count,
    durationMs: Number.isFinite(durationS) ? durationS * 1000 : undefined,
    concurrency: Math.max(1, number(args.concurrency, 'concurrency', 32)),
    requestTimeoutMs: 10_000,
    statusToken: args.token ?? process.env.FLEET_SIM_TOKEN,
    decisions,
    onProgress: live ? (p) => process.stderr.write(`\r${progressLine(p)}\x1b[K`) : undefined,
  });
  if (live) process.stderr.write('\n');
  // Sequence lists are for tests that trace reports (ScheduleOptions.trace); not part of the CLI summary.
  const { acceptedSeqs: _seqs, unansweredSeqs: _unanswered, ...printable } = summary;
  if (args.json) console.log(JSON.stringify(printable));
  else {
    console.log(`fleet-sim: ${fleet.length} instances -> ${target.origin}`);
    console.log(progressLine(summary));
    console.log(
      `version reports ${summary.byKind.version.accepted}/${summary.byKind.version.sent} accepted, status updates ${summary.byKind.status.accepted}/${summary.byKind.status.sent} accepted, max latency ${summary.maxMs.toFixed(1)} ms`,
    );
    if (decisions) {
      const { decisionEvents: events, byKind } = summary;
      console.log(
        `decisions ${events.accepted}/${events.sent} accepted in ${byKind.decisions.accepted}/${byKind.decisions.sent} chunks` +
          (events.resent > 0 ? `, ${events.resent} sent again` : '') +
          (events.unacknowledged > 0 ? `, ${events.unacknowledged} never acknowledged` : '') +
          (events.dropped > 0 ? `, ${events.dropped} dropped (larger than one chunk)` : ''),
      );
    }
  }
  const allAccepted = summary.accepted === summary.sent;
  if (!allAccepted)
    console.error(
      `fleet-sim: ${summary.sent - summary.accepted} of ${summary.sent} requests (reports and decision-log chunks) were not accepted`,
    );
  return allAccepted ? 0 : 1;
}

process.exitCode = await main();
