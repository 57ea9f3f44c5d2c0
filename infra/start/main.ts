// `infra/bin/start`: the whole pipeline on this machine, supervised, until Ctrl-C.
// The stack (Kafka, ClickHouse) is started by the shell wrapper before this runs.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PORT_BASE, servicePorts, startPipeline } from './pipeline';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    demo: { type: 'boolean', default: false },
    'demo-rate': { type: 'string', default: '50' },
    'demo-seconds': { type: 'string', default: '120' },
    'demo-instances': { type: 'string', default: '200' },
    'demo-decision-rate': { type: 'string', default: '200' },
    'port-base': { type: 'string', default: process.env.SERVICE_PORT_BASE ?? String(DEFAULT_PORT_BASE) },
  },
});

const portBase = Number(args['port-base']);
if (!Number.isInteger(portBase) || portBase < 1 || portBase > 65_530) {
  console.error(`[start] --port-base (SERVICE_PORT_BASE) must be a port number, got "${args['port-base']}"`);
  process.exit(2);
}
const ports = servicePorts(portBase);

const kafkaBrokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
const database = process.env.CLICKHOUSE_DATABASE ?? 'opa';
const logDir = join(process.env.OPA_STATE_DIR ?? join(repoRoot, '.state'), 'logs');
const say = (message: string) => console.log(`[start] ${message}`);

// Without internet access (or for the demo) the advisor reads releases from a file instead of GitHub.
const releasesFile =
  process.env.RELEASES_FILE ?? (args.demo ? join(repoRoot, 'infra/start/releases.sample.json') : undefined);

const pipeline = startPipeline({
  kafkaBrokers,
  clickhouseUrl,
  database,
  topicPrefix: process.env.TOPIC_PREFIX ?? 'opa.',
  groupPrefix: process.env.GROUP_PREFIX ?? 'opa.',
  ports,
  logDir,
  env: releasesFile
    ? { 'release-advisor': { RELEASES_FILE: releasesFile, RELEASES_API_ENABLED: 'false' } }
    : {},
  onEvent: say,
});

let shuttingDown = false;
async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  say('stopping services (gateway first, loaders last so they drain)...');
  await pipeline.stop();
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await pipeline.ready();
} catch (error) {
  say((error as Error).message);
  await shutdown(1);
}

const gateway = pipeline.gatewayUrl;
const clickhousePort = process.env.CLICKHOUSE_TCP_PORT ?? 19000;
console.log(`
  gateway            ${gateway}   (POST /v1/version, /status[/<partition>], /logs[/<partition>];
                     GET /repos/open-policy-agent/opa/releases/latest; /metrics, /openapi.json)
  status-loader      http://127.0.0.1:${ports['status-loader']}/metrics
  telemetry-loader   http://127.0.0.1:${ports['telemetry-loader']}/metrics
  decision-loader    http://127.0.0.1:${ports['decision-loader']}/metrics
  release-advisor    http://127.0.0.1:${ports['release-advisor']}/metrics
  fleet console      http://127.0.0.1:${ports['fleet-console']}/   (charts and tables of the fleet; /api/queries)
  Kafka              ${kafkaBrokers}
  ClickHouse         ${clickhouseUrl}  (database ${database}${process.env.CLICKHOUSE_CLUSTER ? `, cluster ${process.env.CLICKHOUSE_CLUSTER}` : ''})
  logs               ${logDir}/<service>.log

  Try:
    curl -s -A 'Open Policy Agent/v0.12.3 (darwin, amd64)' -H 'content-type: application/json' \\
         -d '{"id":"demo-1","version":"v0.12.3","heap_usage_bytes":"596000"}' ${gateway}/v1/version
    curl -s -H 'content-type: application/json' -d @test/fixtures/opa/status-full.json ${gateway}/status/demo
    curl -s -A OPA-Version-Checker ${gateway}/repos/open-policy-agent/opa/releases/latest
    gzip -c test/fixtures/opa-real/v1.22.3/decisions.json | curl -s -H 'content-type: application/json' \\
         -H 'content-encoding: gzip' --data-binary @- ${gateway}/logs/demo
    clickhouse-client --port ${clickhousePort} --query 'SELECT version, uniqExact(instance_id) AS instances FROM ${database}.version_reports GROUP BY version ORDER BY version'
    clickhouse-client --port ${clickhousePort} --database ${database} < schemas/clickhouse/queries/decisions-per-path-last-hour.sql
                     (decisions per policy path in the last hour; every analyst query: schemas/clickhouse/README.md)

  Ctrl-C stops everything.
`);

if (args.demo) {
  say(
    `driving a simulated fleet: ${args['demo-instances']} instances, ${args['demo-rate']} reports/s and ${args['demo-decision-rate']} decisions/s (decision logs uploaded every 5 s) for ${args['demo-seconds']} s`,
  );
  const sim = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'services/fleet-sim/src/main.ts'),
      '--target',
      gateway,
      '--instances',
      args['demo-instances']!,
      '--rate',
      args['demo-rate']!,
      '--duration',
      args['demo-seconds']!,
      '--decision-rate',
      args['demo-decision-rate']!,
      '--decision-upload-seconds',
      '5',
    ],
    { cwd: repoRoot, stdio: 'inherit' },
  );
  sim.on('exit', (code) => {
    say(`simulated fleet finished (exit ${code}); the pipeline keeps running until Ctrl-C`);
    say(
      `decisions so far: clickhouse-client --port ${clickhousePort} --database ${database} < schemas/clickhouse/queries/decisions-per-path-last-hour.sql`,
    );
  });
}
