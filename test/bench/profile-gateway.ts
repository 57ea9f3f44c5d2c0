// A CPU profile of the gateway on one body: the gateway as the gateway benchmark starts it, with
// `node --cpu-prof`, loaded by autocannon, then stopped; prints, per thread (the main thread first, then
// each work thread), the functions with the most self time and the files they are
// in, and leaves the .cpuprofile files (open them in Chrome DevTools) in --out.
//
//   KAFKA_BROKERS=... npx tsx test/bench/profile-gateway.ts [--body real|real-sm|status|decisions]
//     [--seconds 10] [--connections 50] [--out .state/profiles] [--top 30]
//
// `--body decisions`: POST /logs with the decisions benchmark's OPA-shaped 32 KB gzipped chunks (32
// distinct ones in turn, as decisions.bench.ts sends them; use --connections 10 as it does).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serviceNodeArgs } from '../../infra/start/service-command';
import { readFixtureText, realOpaStatusBodies } from '../support/fixtures';
import { createDecisionChunks } from './decision-chunks';
import {
  formatRow,
  type LoadOptions,
  loadServer,
  ROW_HEADER,
  repoRoot,
  startServer,
  stopServer,
} from './server-load';

const { values } = parseArgs({
  options: {
    body: { type: 'string', default: 'real' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    out: { type: 'string', default: '.state/profiles' },
    top: { type: 'string', default: '30' },
  },
});
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  console.error('set KAFKA_BROKERS (eval "$(infra/bin/stack env)")');
  process.exit(2);
}
const real = (name: string) =>
  realOpaStatusBodies().find((b) => b.opaVersion === 'v1.22.3' && b.name === name)!.text;
const bodies: Record<string, string> = {
  real: real('status-prometheus.json'),
  'real-sm': real('status.json'),
  status: readFixtureText('status-full.json'),
};
const decisions = values.body === 'decisions';
const body = decisions ? '' : bodies[values.body!];
if (body === undefined) throw new Error(`--body: one of ${Object.keys(bodies).join(', ')}, decisions`);
const decisionChunks = createDecisionChunks({ seed: 1 });
const out = resolve(values.out!, `gateway-${values.body}-${Date.now()}`);
mkdirSync(out, { recursive: true });
const connections = Number(values.connections);
const gateway = await start();
const userAgent = 'Open Policy Agent/v1.22.3 (linux, amd64)';
const options: Omit<LoadOptions, 'duration'> = decisions
  ? {
      report: 'decisions',
      path: '/logs',
      bodies: Array.from({ length: 32 }, () => decisionChunks.next().body),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': userAgent },
      connections,
    }
  : {
      report: values.body!,
      path: '/status',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': userAgent },
      connections,
    };
await loadServer(gateway, { ...options, duration: 3 }); // JIT warm-up (in the profile too: short)
const row = await loadServer(gateway, { ...options, duration: Number(values.seconds) });
await stopServer(gateway);
console.log(ROW_HEADER);
console.log(formatRow(row));
// One profile per thread: the main thread's (its file name's thread id is 0), then each work thread's.
for (const file of readdirSync(out)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  console.log(`\n=== ${file}`);
  summarize(join(out, file));
}

async function start() {
  const args = serviceNodeArgs('gateway', repoRoot);
  return startServer(
    'gateway (profiled)',
    ['--cpu-prof', '--cpu-prof-dir', out, ...args],
    {
      ADMISSION_MIN_IN_FLIGHT: String(connections),
      ADMISSION_MAX_WAIT_MS: '60000',
      KAFKA_BROKERS: brokers!,
      TOPIC_PREFIX: `bench-prof-${randomUUID().slice(0, 8)}.`,
      TOPIC_PARTITIONS: '3',
    },
    '/readyz',
  );
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time per function and per file, from the profile's samples. */
function summarize(file: string) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(repoRoot, '');
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const f = where.includes('node_modules/')
      ? `node_modules/${where.split('node_modules/').at(-1)!.split('/').slice(0, 2).join('/')}`
      : where || functionName;
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const top = Number(values.top);
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title} (self time, of ${(total / 1e6).toFixed(1)} s profiled):`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  };
  print('functions', byFunction);
  print('files / packages', byFile);
  console.log(`\nprofile: ${file}`);
}
