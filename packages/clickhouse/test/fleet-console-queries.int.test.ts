// The documented queries the fleet console added (out-of-date-instances, instances-stopped-reporting),
// on the real ClickHouse with data of their own: versions that order differently as text and as
// semver, prereleases and builds, and redelivered (duplicated) reports.
import type { ReleaseInfo, StatusReport, TelemetryReport } from '@opa-fleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusFixture } from '../../flatten/test/fixture-records';
import {
  BatchWriter,
  bindQueryParams,
  createClickHouseClient,
  LOADER_TABLES,
  loadAnalystQueries,
  runMigrations,
} from '../src';
import { deliverReports, dropDatabase, queryRows, telemetryReport, testConfig } from './clickhouse-test-db';

const config = testConfig('it_console_queries');
const queries = loadAnalystQueries();
const client = createClickHouseClient(config);
const writer = new BatchWriter({ client, database: config.database, tableOrder: LOADER_TABLES });

const MIN = 60_000_000; // micros
const DAY = 24 * 60 * MIN;
const NOW = Math.floor(Date.now() / 1000) * 1_000_000;

const telemetry = (id: string, version: string, agoMicros: number): TelemetryReport =>
  telemetryReport(id, version, 1000, NOW - agoMicros);

const release = (tag: string, agoMicros: number): ReleaseInfo => ({
  channel: 'latest',
  tag,
  release_notes: `https://github.com/open-policy-agent/opa/releases/tag/${tag}`,
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: null,
  source: 'file',
  updated_at: NOW - agoMicros,
});

/** The latest release is v0.19.2 (v0.18.0 was before it). */
const RELEASES = [release('v0.18.0', 5 * DAY), release('v0.19.2', DAY)];

const VERSIONS = {
  upgraded: [telemetry('upgraded', 'v0.12.3', 120 * MIN), telemetry('upgraded', 'v0.19.2', 10 * MIN)],
  onLatestNoV: [telemetry('on-latest', '0.19.2', 20 * MIN)],
  // 0.9.10 sorts after 0.19.2 as text but is older by semver.
  nineTen: [telemetry('nine-ten', 'v0.9.10', 30 * MIN)],
  older: [telemetry('older', 'v0.18.0', 40 * MIN)],
  // A prerelease of the latest release is older than it; a prerelease of the next one is not.
  rc: [telemetry('rc', 'v0.19.2-rc1', 50 * MIN)],
  nextDev: [telemetry('next-dev', '0.20.0-dev', 60 * MIN)],
  newerMajor: [telemetry('major', 'v1.0.0', 70 * MIN)],
  edge: [telemetry('edge', 'edge', 80 * MIN)],
  // Out of date, but not seen for two days.
  gone: [telemetry('gone', 'v0.12.3', 2 * DAY)],
};

function status(id: string, agoMicros: number, partition: string | null, version: string): StatusReport {
  const report = statusFixture('status-full.json', partition, {
    eventId: `st-${id}-${agoMicros}`,
    receivedAt: NOW - agoMicros,
  });
  return { ...report, labels: { ...report.labels, id, version } };
}

const STATUSES = {
  fresh: [status('fresh', 2 * MIN, 'prod-eu', '0.19.2')],
  // Silent for 50 minutes; its earlier updates were in another partition with another version.
  silent50: [
    status('silent-50', 3 * 60 * MIN, '', '0.18.0'),
    status('silent-50', 50 * MIN, 'prod-eu', '0.19.2'),
  ],
  silent3h: [status('silent-3h', 3 * 60 * MIN, 'prod-us', '0.18.0')],
  // Silent for 8 days: past the 7-day window, no longer listed.
  longGone: [status('long-gone', 8 * DAY, 'prod-us', '0.12.3')],
};

async function run<T>(name: string, params: Record<string, string | number> = {}): Promise<T[]> {
  const sql = queries.get(name);
  if (!sql) throw new Error(`no query ${name}`);
  return queryRows<T>(config, bindQueryParams(sql, params));
}

beforeAll(async () => {
  await runMigrations(config);
  const statuses = Object.values(STATUSES).flat();
  const versions = Object.values(VERSIONS).flat();
  await deliverReports(writer, statuses, versions, RELEASES);
  // A redelivery of part of it, in its own insert (parts not merged yet).
  await deliverReports(
    writer,
    [STATUSES.silent50[1]!, ...STATUSES.silent3h],
    [...VERSIONS.nineTen, ...VERSIONS.rc],
    [RELEASES[1]!],
  );
});

afterAll(async () => {
  await client.close();
  await dropDatabase(config);
});

describe('out-of-date-instances', () => {
  it('lists instances older than the latest release by semver, each once, oldest version first', async () => {
    const rows = await run<{
      instance_id: string;
      version: string;
      latest_release: string;
      last_seen: string;
    }>('out-of-date-instances');
    expect(rows.map((r) => [r.instance_id, r.version, r.latest_release])).toEqual([
      ['nine-ten', '0.9.10', '0.19.2'],
      ['older', '0.18.0', '0.19.2'],
      ['rc', '0.19.2-rc1', '0.19.2'],
    ]);
    const older = new Date(`${rows[1]!.last_seen.replace(' ', 'T')}Z`).getTime() * 1000;
    expect(older).toBe(VERSIONS.older[0]!.received_at);
  });

  it('lists nobody while no release is known', async () => {
    const sql = queries.get('out-of-date-instances')!.replace("channel = 'latest'", "channel = 'none'");
    expect(await queryRows(config, sql)).toEqual([]);
  });
});

describe('instances-stopped-reporting', () => {
  type Row = {
    instance_id: string;
    last_seen: string;
    partition: string;
    version: string;
    bundle_error_count: number;
  };

  it('lists instances silent for longer than silent_minutes (within 7 days), silent longest first', async () => {
    const rows = await run<Row>('instances-stopped-reporting', { silent_minutes: 45 });
    expect(rows.map((r) => [r.instance_id, r.partition, r.version, r.bundle_error_count])).toEqual([
      ['silent-3h', 'prod-us', '0.18.0', 2],
      ['silent-50', 'prod-eu', '0.19.2', 2],
    ]);
  });

  it('the threshold is the parameter: 60 minutes leaves out the one silent for 50', async () => {
    const rows = await run<Row>('instances-stopped-reporting', { silent_minutes: 60 });
    expect(rows.map((r) => r.instance_id)).toEqual(['silent-3h']);
    const all = await run<Row>('instances-stopped-reporting', { silent_minutes: 1 });
    expect(all.map((r) => r.instance_id)).toEqual(['silent-3h', 'silent-50', 'fresh']);
  });

  it('refuses a silent_minutes that is not a number', async () => {
    await expect(run('instances-stopped-reporting', { silent_minutes: '45' })).rejects.toThrow(
      /must be a number/,
    );
  });
});
