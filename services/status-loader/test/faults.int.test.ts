// Fault tests on the real Kafka and ClickHouse, with a TCP proxy in front of ClickHouse that the test
// controls: (1) ClickHouse unreachable while records keep arriving, then reachable: every record
// lands, none twice in the documented counts; (2) the loader process SIGKILLed after its last
// insert of a batch reached ClickHouse and before it could commit, then restarted: same result.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClickHouseConfig, createClickHouseClient, runMigrations } from '@opa-fleet/clickhouse';
import { normalizeStatus, statusCodec } from '@opa-fleet/contracts';
import { createKafkaClient, topicNames } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import type { Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedQueryRows } from '../../../packages/loader/test/loader-test-env';
import { readFixture } from '../../../test/support/fixtures';
import { buildStatusLoader, loadStatusLoaderConfig } from '../src';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const clickhouseUrl = new URL(process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123');
const brokers = process.env.KAFKA_BROKERS ?? '';
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const run = randomBytes(4).toString('hex');
const admin = createClickHouseClient({ url: clickhouseUrl.origin, database: 'default' });

let kafka: Kafka;
let producer: Producer;

/** A TCP proxy to ClickHouse that can be closed (connection refused), reopened, or armed to kill. */
class ClickHouseProxy {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;
  /** When set: called as soon as ClickHouse answers an INSERT into this table; the answer is dropped. */
  onInsertAnswered: { table: string; action: () => void } | null = null;

  async open(port = 0): Promise<void> {
    const server = createServer((client) => this.pipe(client));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private pipe(client: Socket): void {
    const upstream = connect(Number(clickhouseUrl.port), clickhouseUrl.hostname);
    this.sockets.add(client).add(upstream);
    let armed = false;
    client.on('data', (chunk) => {
      const head = chunk.toString('latin1', 0, 2000).split('\r\n')[0] ?? '';
      const trap = this.onInsertAnswered;
      if (trap && /^POST /.test(head)) {
        const line = decodeURIComponent(head.replaceAll('+', ' '));
        armed = line.includes('INSERT INTO') && line.includes(`.${trap.table} `);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      const trap = this.onInsertAnswered;
      if (armed && trap) {
        this.onInsertAnswered = null;
        trap.action();
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function scalar(query: string): Promise<number> {
  const result = await admin.query({ query, format: 'JSONEachRow' });
  const [row] = await result.json<Record<string, unknown>>();
  return Number(Object.values(row!)[0]);
}

function statusRecords(tag: string, n: number) {
  return Array.from({ length: n }, (_, i) =>
    statusCodec.encode(
      normalizeStatus(readFixture('status-full.json'), {
        eventId: `${run}-${tag}-${i}`,
        receivedAt: Date.now() * 1000,
        gatewayId: 'gw-fault',
        partition: null,
      }),
    ),
  );
}

async function produce(topic: string, values: Buffer[]) {
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const kadmin = kafka.admin();
  await kadmin.connect();
  try {
    const [entry] = await kadmin.fetchOffsets({ groupId, topics: [topic] });
    return entry!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await kadmin.disconnect();
  }
}

/** The documented "partitions and their report rates" query, reading the given database. */
async function documentedReports(database: string): Promise<number> {
  const rows = await documentedQueryRows<{ reports: string }>(
    clickhouseUrl.origin,
    database,
    'partition-report-rates',
  );
  return rows.reduce((n, r) => n + Number(r.reports), 0);
}

beforeAll(async () => {
  kafka = createKafkaClient({ brokers: brokers.split(','), clientId: `it-fault-${run}`, logger });
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await admin.close();
});

describe('status-loader faults', () => {
  it('keeps every record while ClickHouse is unreachable and loads each exactly once when it is back', async () => {
    const prefix = `it-fault-a-${run}.`;
    const database = `it_fault_a_${run}`;
    const chConfig: ClickHouseConfig = { url: clickhouseUrl.origin, database };
    await runMigrations(chConfig);
    const proxy = new ClickHouseProxy();
    await proxy.open();
    const port = proxy.port;
    await proxy.close(); // connection refused from now on
    const config = loadStatusLoaderConfig({
      KAFKA_BROKERS: brokers,
      CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
      CLICKHOUSE_DATABASE: database,
      TOPIC_PREFIX: prefix,
      GROUP_ID: `it-fault-a-${run}`,
      RUN_MIGRATIONS: 'false',
      BATCH_MAX_WAIT_MS: '200',
      RETRY_INITIAL_MS: '200',
      RETRY_MAX_MS: '1000',
    });
    const loader = buildStatusLoader({ config, logger, registry: createMetrics('fault-a') });
    try {
      await loader.start();
      const topic = topicNames(prefix).status;
      await produce(topic, statusRecords('a1', 20));
      await until(() => !loader.consumer.status().sinkHealthy, 30_000, 'failing inserts');
      expect(loader.ready()).toBe(false);
      await produce(topic, statusRecords('a2', 20));
      await new Promise((r) => setTimeout(r, 2000));
      expect(await committedTotal(config.groupId, topic)).toBe(0);

      await proxy.open(port); // ClickHouse is back
      await until(async () => (await committedTotal(config.groupId, topic)) === 40, 60_000, 'all committed');
      expect(loader.consumer.status().sinkHealthy).toBe(true);
      expect(await scalar(`SELECT uniqExact(event_id) FROM ${database}.status_reports`)).toBe(40);
      expect(await scalar(`SELECT count() FROM ${database}.status_reports FINAL`)).toBe(40);
      expect(await documentedReports(database)).toBe(40);
      expect(await scalar(`SELECT count() FROM ${database}.prometheus_samples FINAL`)).toBe(40 * 11);
    } finally {
      await loader.stop();
      await proxy.close();
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    }
  });

  it('loses nothing and counts nothing twice when SIGKILLed between insert and commit', async () => {
    const prefix = `it-fault-b-${run}.`;
    const database = `it_fault_b_${run}`;
    const groupId = `it-fault-b-${run}`;
    const topic = topicNames(prefix).status;
    await runMigrations({ url: clickhouseUrl.origin, database });
    const proxy = new ClickHouseProxy();
    await proxy.open();
    const log = createWriteStream(join(tmpdir(), `status-loader-fault-${run}.log`));
    const spawnLoader = (): ChildProcess => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'services/status-loader/src/main.ts')],
        {
          cwd: repoRoot,
          env: {
            ...process.env,
            KAFKA_BROKERS: brokers,
            CLICKHOUSE_URL: `http://127.0.0.1:${proxy.port}`,
            CLICKHOUSE_DATABASE: database,
            TOPIC_PREFIX: prefix,
            GROUP_ID: groupId,
            BATCH_MAX_WAIT_MS: '300',
            PORT: '0',
            HOST: '127.0.0.1',
            LOG_LEVEL: 'info',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout!.pipe(log, { end: false });
      child.stderr!.pipe(log, { end: false });
      return child;
    };
    const exited = (child: ChildProcess) =>
      new Promise<NodeJS.Signals | number | null>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode ?? child.exitCode);
        else child.once('exit', (code, signal) => resolve(signal ?? code));
      });

    let child = spawnLoader();
    try {
      // The loader's last insert of the batch (status_reports) reaches ClickHouse; before the answer
      // gets back to it, the process is SIGKILLed, so it cannot commit.
      let killedAt = 0;
      proxy.onInsertAnswered = {
        table: 'status_reports',
        action: () => {
          killedAt = Date.now();
          child.kill('SIGKILL');
        },
      };
      await produce(topic, statusRecords('b', 10));
      expect(await exited(child)).toBe('SIGKILL');
      expect(killedAt).toBeGreaterThan(0);
      expect(await scalar(`SELECT uniqExact(event_id) FROM ${database}.status_reports`)).toBe(10);
      expect(await committedTotal(groupId, topic)).toBe(0);

      child = spawnLoader();
      await until(async () => (await committedTotal(groupId, topic)) === 10, 90_000, 'commit after restart');
      // Delivered and inserted twice ...
      expect(await scalar(`SELECT count() FROM ${database}.status_reports`)).toBeGreaterThanOrEqual(10);
      // ... counted once.
      expect(await scalar(`SELECT uniqExact(event_id) FROM ${database}.status_reports`)).toBe(10);
      expect(await scalar(`SELECT count() FROM ${database}.status_reports FINAL`)).toBe(10);
      expect(await scalar(`SELECT count() FROM ${database}.bundles FINAL`)).toBe(10 * 4);
      expect(await documentedReports(database)).toBe(10);
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await proxy.close();
      log.end();
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    }
  });
});
