// Runs the real pipeline (every service as its own process) against the stack chosen by the global
// setup, isolated by unique topic prefix, consumer groups and ClickHouse database, on free ports.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { INGEST_SERVICES, type Pipeline, type ServiceName, startPipeline } from '../../infra/start/pipeline';
import { clickhouseUrl, kafkaBrokers, uniqueSuffix } from './stack';

export interface PipelineHarness {
  pipeline: Pipeline;
  database: string;
  topicPrefix: string;
  releasesFile: string;
  logDir: string;
  /** Rows of a query against the run's database (table names unqualified: the client's default database). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Polls `sql` until `done(rows)` or the timeout; returns the last rows either way. */
  waitFor<T = Record<string, unknown>>(
    sql: string,
    done: (rows: T[]) => boolean,
    timeoutMs?: number,
  ): Promise<T[]>;
  writeReleases(tags: string[]): void;
  close(): Promise<void>;
}

/**
 * A loopback port nothing listens on: any the kernel picks, or with TEST_PORT_RANGE=<first>-<last> the
 * next free one of that range (several people's stacks and benchmarks on one machine, each in its own
 * block). Ports of the range are handed out in turn, so two calls never return the same one.
 */
export async function freePort(): Promise<number> {
  const range = testPortRange(process.env.TEST_PORT_RANGE);
  if (!range) return listenable(0) as Promise<number>;
  for (let tried = 0; tried <= range.last - range.first; tried++) {
    const port = range.first + (nextInRange++ % (range.last - range.first + 1));
    if ((await listenable(port)) !== null) return port;
  }
  throw new Error(`no free port in TEST_PORT_RANGE ${process.env.TEST_PORT_RANGE}`);
}

let nextInRange = 0;

function testPortRange(value: string | undefined): { first: number; last: number } | null {
  if (!value) return null;
  const match = /^(\d+)-(\d+)$/.exec(value.trim());
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1 || last > 65535 || first > last) {
    throw new Error(`TEST_PORT_RANGE must be <first>-<last>, got "${value}"`);
  }
  return { first, last };
}

/** Listens on `port` (0: any) and lets go: the port bound, or null when it is taken. */
async function listenable(port: number): Promise<number | null> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!bound) return null;
  const address = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address;
}

function releasesJson(tags: string[]): string {
  return JSON.stringify(
    tags.map((tag) => ({
      tag_name: tag,
      name: tag,
      draft: false,
      prerelease: false,
      html_url: `https://github.com/open-policy-agent/opa/releases/tag/${tag}`,
      published_at: '2026-11-01T00:00:00Z',
    })),
  );
}

export async function startPipelineHarness(
  options: {
    services?: ServiceName[];
    env?: Partial<Record<ServiceName, Record<string, string>>>;
    releases?: string[];
  } = {},
): Promise<PipelineHarness> {
  const id = uniqueSuffix();
  const database = `e2e_${id}`;
  const topicPrefix = `e2e.${id}.`;
  const workDir = mkdtempSync(join(tmpdir(), 'opa-e2e-'));
  const releasesFile = join(workDir, 'releases.json');
  const logDir = join(workDir, 'logs');
  writeFileSync(releasesFile, releasesJson(options.releases ?? ['v1.4.2']));
  const ports = {
    gateway: await freePort(),
    'status-loader': await freePort(),
    'telemetry-loader': await freePort(),
    'decision-loader': await freePort(),
    'release-advisor': await freePort(),
    'fleet-console': await freePort(),
  };
  const advisorEnv = {
    RELEASES_API_ENABLED: 'false',
    RELEASES_FILE: releasesFile,
    RELEASES_FILE_POLL_INTERVAL_MS: '500',
    ...options.env?.['release-advisor'],
  };
  const pipeline = startPipeline({
    kafkaBrokers: kafkaBrokers().join(','),
    clickhouseUrl: clickhouseUrl(),
    database,
    topicPrefix,
    groupPrefix: `e2e.${id}.`,
    ports,
    logDir,
    // The console only when a test asks for it: the ingest suites need not wait for it.
    services: options.services ?? INGEST_SERVICES,
    env: { ...options.env, 'release-advisor': advisorEnv },
    onEvent: (message) => console.warn(`[pipeline] ${message}`),
  });
  const admin = createClient({ url: clickhouseUrl() });
  const client = createClient({ url: clickhouseUrl(), database });
  const query = async <T>(sql: string): Promise<T[]> => {
    const result = await client.query({ query: sql, format: 'JSONEachRow' });
    return result.json<T>();
  };
  return {
    pipeline,
    database,
    topicPrefix,
    releasesFile,
    logDir,
    query,
    async waitFor<T>(sql: string, done: (rows: T[]) => boolean, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let rows: T[] = [];
      for (;;) {
        try {
          rows = await query<T>(sql);
          if (done(rows)) return rows;
        } catch {
          // the table may not exist yet (migrations run at loader start)
        }
        if (Date.now() > deadline) return rows;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    writeReleases(tags) {
      writeFileSync(releasesFile, releasesJson(tags));
    },
    async close() {
      await pipeline.stop();
      await client.close();
      // On the cluster stack the database is on every server (made ON CLUSTER by the migrations).
      const onCluster = process.env.CLICKHOUSE_CLUSTER ? ` ON CLUSTER ${process.env.CLICKHOUSE_CLUSTER}` : '';
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}${onCluster}` }).catch(() => {});
      await admin.close();
    },
  };
}
