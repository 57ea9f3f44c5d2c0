// Starts the pipeline's services as supervised child processes (real processes, as in production):
// gateway, release advisor, the loaders, and the fleet console (a reader of ClickHouse and of the others'
// /metrics). Used by `infra/bin/start` and by the
// end-to-end and fault suites, which also kill and restart single services through it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { type ServiceName, serviceNodeArgs } from './service-command';

export type { ServiceName };

export interface PipelineOptions {
  kafkaBrokers: string;
  clickhouseUrl: string;
  /** ClickHouse database the loaders write to. */
  database: string;
  /** Prefix of every topic; tests use a unique one so runs never share topics. */
  topicPrefix: string;
  /** Consumer group prefix, unique per run for the same reason. */
  groupPrefix: string;
  ports: Record<ServiceName, number>;
  /** Folder for one log file per service. */
  logDir: string;
  /** Extra environment per service (e.g. RELEASES_FILE for the advisor). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Which services to run (default: ALL_SERVICES). */
  services?: ServiceName[];
  /** Restart a service that exits on its own (default true). Explicit kills are restarted only by restart(). */
  supervise?: boolean;
  onEvent?: (message: string) => void;
}

export interface RunningService {
  name: ServiceName;
  port: number;
  child: ChildProcess;
}

export interface Pipeline {
  gatewayUrl: string;
  services: Map<ServiceName, RunningService>;
  /** Services that exited on their own (crashes), oldest first: the fault suite asserts there are none. */
  unexpectedExits: { name: ServiceName; code: number | null; signal: NodeJS.Signals | null }[];
  /** Waits until every running service answers GET /readyz with 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** Sends a signal to one service; with SIGKILL it dies at once, mid-work. */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a service that was killed (or restarts a running one gracefully). */
  restart(name: ServiceName): Promise<void>;
  /** Graceful stop of everything (SIGTERM, then SIGKILL after the grace period). */
  stop(graceMs?: number): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Each service's port as an offset from one base port (8080 by default: 8080-8085). */
const PORT_OFFSETS: Record<ServiceName, number> = {
  gateway: 0,
  'status-loader': 1,
  'telemetry-loader': 2,
  'release-advisor': 3,
  'fleet-console': 4,
  'decision-loader': 5,
};

export function servicePorts(base: number): Record<ServiceName, number> {
  return Object.fromEntries(
    Object.entries(PORT_OFFSETS).map(([name, offset]) => [name, base + offset]),
  ) as Record<ServiceName, number>;
}

export const DEFAULT_PORT_BASE = 8080;
export const DEFAULT_PORTS: Record<ServiceName, number> = servicePorts(DEFAULT_PORT_BASE);

/** The services that carry reports from OPA to ClickHouse, in start order. */
export const INGEST_SERVICES: ServiceName[] = [
  'release-advisor',
  'gateway',
  'telemetry-loader',
  'status-loader',
  'decision-loader',
];

/** Everything `infra/bin/start` runs: the ingest services, then the console that reads what they wrote. */
export const ALL_SERVICES: ServiceName[] = [...INGEST_SERVICES, 'fleet-console'];

function serviceEnv(name: ServiceName, options: PipelineOptions): Record<string, string> {
  const common = {
    KAFKA_BROKERS: options.kafkaBrokers,
    TOPIC_PREFIX: options.topicPrefix,
    PORT: String(options.ports[name]),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const loader = {
    CLICKHOUSE_URL: options.clickhouseUrl,
    CLICKHOUSE_DATABASE: options.database,
    GROUP_ID: `${options.groupPrefix}${name}`,
  };
  const own = options.env?.[name] ?? {};
  switch (name) {
    case 'gateway':
      return { ...common, ...own };
    case 'release-advisor':
      return { ...common, ...own };
    case 'fleet-console': {
      // The ingestion-health panel scrapes every other service of this pipeline.
      const scraped = (options.services ?? ALL_SERVICES).filter((s) => s !== 'fleet-console');
      const targets = scraped.map((s) => `${s}=http://127.0.0.1:${options.ports[s]}/metrics`);
      return {
        ...common,
        CLICKHOUSE_URL: options.clickhouseUrl,
        CLICKHOUSE_DATABASE: options.database,
        METRICS_TARGETS: targets.join(','),
        ...own,
      };
    }
    default:
      return { ...common, ...loader, ...own };
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export function startPipeline(options: PipelineOptions): Pipeline {
  mkdirSync(options.logDir, { recursive: true });
  const names = options.services ?? ALL_SERVICES;
  const services = new Map<ServiceName, RunningService>();
  const logs = new Map<ServiceName, WriteStream>();
  const intentional = new Set<ServiceName>();
  const restarts = new Map<ServiceName, number>();
  const unexpectedExits: Pipeline['unexpectedExits'] = [];
  let stopping = false;
  const say = (message: string) => options.onEvent?.(message);

  const launch = (name: ServiceName) => {
    let log = logs.get(name);
    if (!log) {
      log = createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
      logs.set(name, log);
    }
    const child = spawn(process.execPath, serviceNodeArgs(name, repoRoot), {
      cwd: repoRoot,
      env: { ...process.env, ...serviceEnv(name, options) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.on('exit', (code, signal) => {
      if (stopping || intentional.has(name)) return;
      unexpectedExits.push({ name, code, signal });
      const attempt = (restarts.get(name) ?? 0) + 1;
      restarts.set(name, attempt);
      const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      say(
        `${name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms (log: ${join(options.logDir, `${name}.log`)})`,
      );
      setTimeout(() => {
        if (!stopping && !intentional.has(name)) launch(name);
      }, delay).unref();
    });
    services.set(name, { name, port: options.ports[name], child });
  };

  for (const name of names) launch(name);

  const ready = async (timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (const service of services.values()) {
      for (;;) {
        try {
          const response = await fetch(`http://127.0.0.1:${service.port}/readyz`, {
            signal: AbortSignal.timeout(2000),
          });
          if (response.ok) {
            restarts.set(service.name, 0);
            break;
          }
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${service.name} was not ready within ${timeoutMs} ms; see ${join(options.logDir, `${service.name}.log`)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  const kill = async (name: ServiceName, signal: NodeJS.Signals = 'SIGTERM') => {
    const service = services.get(name);
    if (!service) return;
    intentional.add(name);
    service.child.kill(signal);
    if (!(await waitForExit(service.child, 20_000))) service.child.kill('SIGKILL');
    await waitForExit(service.child, 5000);
  };

  const restart = async (name: ServiceName) => {
    await kill(name, 'SIGTERM');
    intentional.delete(name);
    launch(name);
  };

  const stop = async (graceMs = 20_000) => {
    stopping = true;
    // Stop the edge first so nothing new arrives, the loaders last so they drain what is in Kafka (the
    // console, a reader, before them all).
    const order: ServiceName[] = [
      'fleet-console',
      'gateway',
      'release-advisor',
      'telemetry-loader',
      'status-loader',
      'decision-loader',
    ];
    for (const name of order) {
      const service = services.get(name);
      if (!service) continue;
      service.child.kill('SIGTERM');
      if (!(await waitForExit(service.child, graceMs))) {
        say(`${name} did not stop within ${graceMs} ms; killing it`);
        service.child.kill('SIGKILL');
        await waitForExit(service.child, 5000);
      }
    }
    for (const log of logs.values()) log.end();
  };

  return {
    gatewayUrl: `http://127.0.0.1:${options.ports.gateway}`,
    services,
    unexpectedExits,
    ready,
    kill,
    restart,
    stop,
  };
}
