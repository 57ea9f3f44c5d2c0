// Decision-log benchmark (issue 14), three parts, each next to a baseline measured in the same run:
//
//   gateway   POST /logs with OPA-shaped 32 KB gzipped chunks (decision-chunks.ts), autocannon against the
//             real gateway (as infra/bin/start runs it, real Kafka, acks=all) and, in alternating rounds,
//             a bare node:http server that gunzips and JSON.parses the same chunks; chunks/s, events/s,
//             p99, peak RSS. Unless --no-floors, the gateway's stack floors as well (stack-floor.ts):
//             "Fastify" (gunzip + JSON.parse, 200 at once) and "Fastify + Kafka" (the same, then every event
//             as its raw JSON through the gateway's producer, 200 after the ack): what the gateway cannot beat.
//   loader    N decision records pre-filled in a decisions topic, loaded by the real decision-loader
//             (consume, decode, flatten, insert, commit), next to the same rows straight into ClickHouse
//             through the loader's own encoders and writer (TableBatch + BatchWriter).
//   pipeline  a steady offered load of decision events through gateway -> Kafka -> decision-loader ->
//             ClickHouse: what is reached, freshness (2xx -> queryable) p50/p99, peak RSS of every process.
//
//   KAFKA_BROKERS=… CLICKHOUSE_URL=… npx tsx test/bench/decisions.bench.ts [--seconds 10] [--rounds 3]
//     [--warmup 5] [--connections 10] [--no-floors] [--records 50000] [--rate 20000] [--pipeline-seconds 20]
//     [--concurrency 16]
//     [--only gateway,loader,pipeline] [--loader-profile <file prefix>] [--gateway-from <checkout>]
//
// --gateway-from runs, in the gateway part, a second gateway from another checkout of the repository (e.g.
// a worktree of main) in the same alternating rounds: before and after a change, measured together.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import inspector from 'node:inspector/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { createClickHouseClient, DECISION_TABLE_SPECS, runMigrations } from '@opa-fleet/clickhouse';
import { decisionEventsOf, encodeDecisionBatches, normalizeDecisionChunk } from '@opa-fleet/contracts';
import { type DecisionRow, flattenDecision } from '@opa-fleet/flatten';
import { topicNames } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import { pino } from 'pino';
import { SERVICE_NODE_FLAGS, serviceNodeArgs } from '../../infra/start/service-command';
import { buildDecisionLoader, loadDecisionLoaderConfig } from '../../services/decision-loader/src';
import { startPipelineHarness } from '../support/pipeline-harness';
import { createDecisionChunks, type DecisionChunk, OPA_UPLOAD_SIZE_LIMIT } from './decision-chunks';
import { freshnessOf, watchRowCount } from './freshness';
import { dropRun, prefillTopic, timeLoader, writeThroughLoaderWriter } from './loader-run';
import {
  cpuMeter,
  formatRow,
  loadServer,
  median,
  percent,
  percentile,
  ROW_HEADER,
  type Row,
  repoRoot,
  rssPeaks,
  type Server,
  stackPid,
  startServer,
  stopServer,
} from './server-load';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    'no-floors': { type: 'boolean', default: false },
    records: { type: 'string', default: '50000' },
    rate: { type: 'string', default: '20000' },
    'pipeline-seconds': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    only: { type: 'string', default: 'gateway,loader,pipeline' },
    // Writes a CPU profile of each decision-loader run (the profiler slows it: not for the figures).
    'loader-profile': { type: 'string' },
    'gateway-from': { type: 'string' },
  },
});
const parts = new Set(values.only.split(','));
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  console.error(
    'set KAFKA_BROKERS (e.g. 127.0.0.1:19092) and CLICKHOUSE_URL, or eval "$(infra/bin/stack env)"',
  );
  process.exit(2);
}
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
const UA = 'Open-Policy-Agent/1.22.3 (linux, amd64)';
const UPLOAD_HEADERS = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': UA };
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

// ---- gateway ---------------------------------------------------------------------------------------

const BARE_SERVER = `
const http = require('node:http');
const zlib = require('node:zlib');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    zlib.gunzip(Buffer.concat(chunks), (err, raw) => {
      try { if (err) throw err; JSON.parse(raw.toString('utf8')); } catch { res.writeHead(400).end(); return; }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function gatewayPart(): Promise<void> {
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  // Distinct chunks, sent in turn on every connection (the gateway does not deduplicate).
  const generator = createDecisionChunks({ seed: 1 });
  const chunks: DecisionChunk[] = Array.from({ length: 32 }, () => generator.next());
  const eventsPerChunk = chunks.reduce((n, c) => n + c.events, 0) / chunks.length;
  const bodies = chunks.map((c) => c.body);
  const load = (server: Server, duration: number) =>
    loadServer(server, {
      report: 'decisions',
      path: '/logs',
      headers: UPLOAD_HEADERS,
      bodies,
      connections,
      duration,
    });

  const gatewayEnv = {
    KAFKA_BROKERS: brokers!,
    TOPIC_PREFIX: `bench-dl-${randomUUID().slice(0, 8)}.`,
    TOPIC_PARTITIONS: '3',
  };
  const baseline = await startServer('node:http baseline', ['-e', BARE_SERVER], {}, '/');
  const gateway = await startServer(
    'gateway + Kafka',
    serviceNodeArgs('gateway', repoRoot),
    gatewayEnv,
    '/readyz',
  );
  const floorArgs = [...SERVICE_NODE_FLAGS.gateway, '--import', 'tsx', 'test/bench/stack-floor.ts'];
  const floors = values['no-floors']
    ? []
    : [
        await startServer('Fastify', floorArgs, { ...gatewayEnv, FLOOR_KAFKA: '0' }, '/readyz'),
        await startServer('Fastify + Kafka', floorArgs, { ...gatewayEnv, FLOOR_KAFKA: '1' }, '/readyz'),
      ];
  const other = values['gateway-from'];
  const before = other
    ? [
        await startServer(
          `gateway (${basename(other)})`,
          serviceNodeArgs('gateway', other),
          gatewayEnv,
          '/readyz',
        ),
      ]
    : [];
  const compared = [...floors, ...before, gateway];
  try {
    for (const server of [baseline, ...compared]) await load(server, Number(values.warmup));
    const rows: Row[] = [];
    const ratios = new Map<Server, number[]>();
    for (let round = 0; round < rounds; round++) {
      const base = await load(baseline, seconds);
      rows.push(base);
      for (const server of compared) {
        const row = await load(server, seconds);
        rows.push(row);
        ratios.set(server, [...(ratios.get(server) ?? []), row.rps / base.rps]);
      }
    }
    const raw = chunks.reduce((n, c) => n + c.rawBytes, 0) / chunks.length;
    const gz = bodies.reduce((n, b) => n + b.length, 0) / bodies.length;
    console.log(
      `\ngateway: autocannon -c ${connections} -d ${seconds}, ${rounds} alternating rounds, ${chunks.length} distinct chunks ` +
        `of ${eventsPerChunk.toFixed(0)} events, ${fmt(gz)} B gzipped (limit ${OPA_UPLOAD_SIZE_LIMIT}), ${fmt(raw)} B of JSON\n`,
    );
    console.log(`${ROW_HEADER}  events/s`);
    for (const r of rows) console.log(`${formatRow(r)}  ${fmt(r.rps * eventsPerChunk).padStart(8)}`);
    for (const server of compared) {
      const each = ratios.get(server)!;
      const own = rows.filter((r) => r.server === server.name);
      console.log(
        `${server.name} / baseline = ${percent(median(each))} of chunks/s (rounds: ${each.map(percent).join(', ')}); ` +
          `median ${fmt(median(own.map((r) => r.rps * eventsPerChunk)))} events/s, ` +
          `p99 ${median(own.map((r) => r.p99))} ms, peak RSS ${Math.max(...own.map((r) => r.rssMb)).toFixed(0)} MB`,
      );
    }
  } finally {
    for (const server of [...compared, baseline]) await stopServer(server);
  }
}

// ---- decision-loader ------------------------------------------------------------------------------

/**
 * The records the gateway produces for about `count` DecisionEvents (generated chunks through
 * normalizeDecisionChunk): a DecisionBatch per chunk (one instance per chunk, as OPA sends). Only the
 * encoded records are kept (outside the JavaScript heap), so the loader does not run, and collect
 * garbage, beside hundreds of thousands of event objects it never made.
 */
function decisionRecords(count: number, seed: number) {
  const generator = createDecisionChunks({ seed });
  const records: { key: string; value: Buffer }[] = [];
  const context = { receivedAt: Date.now() * 1000, gatewayId: 'bench', userAgent: UA, partition: null };
  for (let events = 0; events < count; ) {
    const body = JSON.parse(gunzipSync(generator.next().body).toString('utf8'));
    const chunk = normalizeDecisionChunk(body, context, randomUUID).events.slice(0, count - events);
    events += chunk.length;
    for (const batch of encodeDecisionBatches(chunk)) records.push({ key: batch.key, value: batch.value });
  }
  return records;
}

/** A CPU profile of this process (the loader runs in it) from now until stop(), written to `file`. */
async function startCpuProfile(file: string): Promise<{ stop(): Promise<void> }> {
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`  CPU profile of the loader run: ${file}`);
    },
  };
}

async function loaderPart(): Promise<void> {
  const N = Number(values.records);
  const rounds = Number(values.rounds);
  const run = randomUUID().slice(0, 8);
  const prefix = `bench-dloader-${run}.`;
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const encoded = decisionRecords(N, 2);
  const topic = topicNames(prefix).decisions;
  const databases: string[] = [];
  console.log(
    `\ndecision-loader: ${fmt(N)} decision events in ${encoded.length} DecisionBatch records (one decisions row ` +
      `per event), ${rounds} alternating rounds`,
  );
  try {
    await prefillTopic({
      brokers: brokers!,
      clientId: `bench-${run}`,
      logger,
      topic,
      records: encoded,
    });
    const ratios: number[] = [];
    const loaderRates: number[] = [];
    // Each round: the loader reads the whole topic again (a new consumer group) into a new database,
    // then the baseline writes the same rows into another.
    for (let round = 0; round < rounds; round++) {
      const loaderDb = `bench_dloader_${run}_${round}`;
      const baselineDb = `bench_dbaseline_${run}_${round}`;
      databases.push(loaderDb, baselineDb);
      for (const database of [loaderDb, baselineDb]) await runMigrations({ url: clickhouseUrl, database });
      const config = loadDecisionLoaderConfig({
        KAFKA_BROKERS: brokers,
        CLICKHOUSE_URL: clickhouseUrl,
        CLICKHOUSE_DATABASE: loaderDb,
        TOPIC_PREFIX: prefix,
        GROUP_ID: `bench-${run}-${round}`,
        RUN_MIGRATIONS: 'false',
        PORT: '0',
      });
      const registry = createMetrics('bench-decision-loader');
      const profile = values['loader-profile']
        ? await startCpuProfile(`${values['loader-profile']}.${round + 1}.cpuprofile`)
        : null;
      const loader = await timeLoader(
        buildDecisionLoader({ config, logger, registry }),
        registry,
        'decisions',
        N,
      );
      await profile?.stop();
      // The baseline: the same rows, made from the same records between the two timings (and let go
      // after), in batches as large as the loader's.
      const perBatch = Math.min(config.batch.maxRows, Math.ceil(N / Math.max(1, loader.flushes)));
      let records: { decisions: DecisionRow[] }[] | null = encoded.flatMap((r) =>
        decisionEventsOf(r.value).map((e) => ({ decisions: [flattenDecision(e)] })),
      );
      const baselineSeconds = await writeThroughLoaderWriter({
        url: clickhouseUrl,
        database: baselineDb,
        specs: DECISION_TABLE_SPECS,
        records,
        perBatch,
      });
      records = null;
      const client = createClickHouseClient({ url: clickhouseUrl, database: loaderDb });
      const result = await client.query({
        query: 'SELECT uniqExact(decision_id) AS n FROM decisions',
        format: 'JSONEachRow',
      });
      const [{ n }] = (await result.json()) as [{ n: string }];
      await client.close();
      const loaderRows = N / loader.seconds;
      const baselineRows = N / baselineSeconds;
      ratios.push(loaderRows / baselineRows);
      loaderRates.push(loaderRows);
      console.log(
        `  round ${round + 1}: decision-loader (consume, decode, flatten, insert, commit) ${loader.seconds.toFixed(2)} s, ` +
          `${fmt(loaderRows)} rows/s, ${loader.flushes} flushes taking ${loader.flushSeconds.toFixed(2)} s ` +
          `(inserts ${loader.insertSeconds.toFixed(2)} s), distinct decisions in ClickHouse ${n}; baseline (the same ` +
          `rows through the loader's encoders and BatchWriter only, batches of ${fmt(perBatch)}) ` +
          `${baselineSeconds.toFixed(2)} s, ${fmt(baselineRows)} rows/s; ratio ${percent(loaderRows / baselineRows)}`,
      );
      if (Number(n) !== N) throw new Error(`expected ${N} distinct decisions, found ${n}`);
    }
    console.log(
      `decision-loader / baseline = ${percent(median(ratios))} of rows/s (rounds: ${ratios.map(percent).join(', ')}); ` +
        `median ${fmt(median(loaderRates))} rows/s`,
    );
  } finally {
    await dropRun({ clickhouseUrl, databases, brokers: brokers!, topics: [topic] });
  }
}

// ---- pipeline ---------------------------------------------------------------------------------------

/** POSTs one chunk; resolves with the status code (0 when there was no answer). */
function postChunk(agent: http.Agent, url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...UPLOAD_HEADERS, 'content-length': body.length },
        timeout: 30_000,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => resolve(0));
    request.end(body);
  });
}

async function pipelinePart(): Promise<void> {
  const rate = Number(values.rate);
  const seconds = Number(values['pipeline-seconds']);
  // OPA instances uploading at once (each waits for its answer). The gateway's producer holds at most
  // PRODUCER_MAX_PENDING_BYTES (64 MiB) of records: a chunk is one record of about 270 KB, so about 240
  // chunks in flight before it answers 503.
  const concurrency = Number(values.concurrency);
  // Every chunk distinct (unique decision ids): freshness is read from count() of the table.
  const t0 = performance.now();
  const generator = createDecisionChunks({ seed: 3, instances: 200 });
  const chunks: DecisionChunk[] = [];
  for (let events = 0; events < rate * seconds; ) {
    const chunk = generator.next();
    chunks.push(chunk);
    events += chunk.events;
  }
  const eventsPerChunk = chunks.reduce((n, c) => n + c.events, 0) / chunks.length;
  console.log(
    `
pipeline: ${chunks.length} chunks of ${eventsPerChunk.toFixed(0)} events generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const harness = await startPipelineHarness({ services: ['gateway', 'decision-loader'] });
  try {
    await harness.pipeline.ready();
    const processes = (): [string, number | null | undefined][] => [
      ...[...harness.pipeline.services.values()].map(
        (s) => [s.name, s.child.pid] as [string, number | undefined],
      ),
      ['kafka', stackPid('kafka')],
      ['clickhouse', stackPid('clickhouse')],
      ['bench (load generator)', process.pid],
    ];
    const rss = rssPeaks(processes);
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const logsUrl = new URL('/logs', harness.pipeline.gatewayUrl);
    // Warm-up: the topic exists, the loader consumes it and the table is there before the clock starts.
    const warmup = createDecisionChunks({ seed: 4, limitBytes: 2048 }).next();
    const warmStatus = await postChunk(agent, logsUrl, warmup.body);
    if (warmStatus !== 200) throw new Error(`warm-up chunk answered ${warmStatus}`);
    const countQuery = 'SELECT count() AS n FROM decisions';
    await harness.waitFor<{ n: string }>(
      countQuery,
      (rows) => Number(rows[0]?.n ?? 0) >= warmup.events,
      60_000,
    );

    const acked: number[] = [];
    const watch = watchRowCount(harness.query, 'decisions', warmup.events, 100);
    const { visibleAt } = watch;

    // Open loop, paced by the clock: at any moment at most rate × elapsed events' chunks have started.
    const latencies: number[] = [];
    let started = 0;
    let inFlight = 0;
    let refused = 0;
    const chunkRate = rate / eventsPerChunk;
    // Where the CPU goes: each process's CPU seconds over the run, per event, against the 2 cores.
    const cpu = cpuMeter(processes());
    const sendStart = performance.now();
    const sendOne = async (chunk: DecisionChunk) => {
      const t = performance.now();
      const status = await postChunk(agent, logsUrl, chunk.body);
      const now = performance.now();
      latencies.push(now - t);
      if (status >= 200 && status < 300) for (let i = 0; i < chunk.events; i++) acked.push(now);
      else refused += 1;
      inFlight -= 1;
    };
    while (started < chunks.length) {
      const due = Math.min(
        chunks.length,
        Math.floor(((performance.now() - sendStart) / 1000) * chunkRate) + 1,
      );
      while (started < due && inFlight < concurrency) {
        inFlight += 1;
        void sendOne(chunks[started++]!);
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const sendSeconds = (performance.now() - sendStart) / 1000;
    const deadline = performance.now() + 120_000;
    while (visibleAt.length < acked.length && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await watch.stop();
    const spent = cpu();
    const runSeconds = (performance.now() - sendStart) / 1000;
    agent.destroy();
    const peaks = rss.stop();

    const lastVisible = visibleAt[Math.min(visibleAt.length, acked.length) - 1] ?? Number.NaN;
    const freshness = freshnessOf(acked, visibleAt);
    latencies.sort((a, b) => a - b);
    const offered = chunks.reduce((n, c) => n + c.events, 0);
    console.log(
      `  offered             ${fmt(offered)} events in ${chunks.length} chunks at ${fmt(rate)} events/s for ${seconds} s`,
    );
    console.log(
      `  accepted            ${fmt(acked.length / sendSeconds)} events/s (${fmt(acked.length)} events in ${sendSeconds.toFixed(1)} s; ` +
        `${refused} chunks not accepted)`,
    );
    console.log(
      `  queryable           ${fmt(visibleAt.length)} of them, ${fmt(Math.min(visibleAt.length, acked.length) / ((lastVisible - sendStart) / 1000))} events/s ` +
        `from the first send to the last row`,
    );
    console.log(
      `  chunk latency       p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
    console.log(
      `  freshness (2xx -> queryable)  p50 ${percentile(freshness, 50).toFixed(0)} ms, p99 ${percentile(freshness, 99).toFixed(0)} ms`,
    );
    console.log('  peak RSS:');
    for (const [name, mb] of peaks) console.log(`    ${name.padEnd(24)} ${mb.toFixed(0)} MB`);
    const events = Math.max(1, visibleAt.length);
    let total = 0;
    console.log(
      `  CPU over the run (${runSeconds.toFixed(1)} s, first send to last row), per event queryable:`,
    );
    for (const [name, used] of spent.seconds) {
      if (!Number.isNaN(used)) total += used;
      console.log(
        `    ${name.padEnd(24)} ${((used / events) * 1e6).toFixed(1).padStart(6)} µs/event, ${(used / runSeconds).toFixed(2)} cores`,
      );
    }
    console.log(
      `    ${'all of them'.padEnd(24)} ${((total / events) * 1e6).toFixed(1).padStart(6)} µs/event, ${(total / runSeconds).toFixed(2)} cores; ` +
        `machine idle ${percent(spent.machineIdle)}; ${fmt(rate)} events/s would need ` +
        `${((total / events) * rate).toFixed(2)} cores`,
    );
  } finally {
    await harness.close();
  }
}

if (parts.has('gateway')) await gatewayPart();
if (parts.has('loader')) await loaderPart();
if (parts.has('pipeline')) await pipelinePart();
