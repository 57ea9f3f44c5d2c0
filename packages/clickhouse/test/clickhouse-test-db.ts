// A fresh, uniquely named database per test file on the real ClickHouse from the environment.
import { randomBytes } from 'node:crypto';
import type {
  DecisionEvent,
  ReleaseInfo,
  StatusReport,
  TelemetryReport,
  VersionCheck,
} from '@opa-fleet/contracts';
import {
  flattenDecision,
  flattenRelease,
  flattenStatus,
  flattenTelemetry,
  flattenVersionCheck,
  type PrometheusSampleRow,
  STATUS_TABLES,
} from '@opa-fleet/flatten';
import {
  type BatchWriter,
  type ClickHouseConfig,
  createClickHouseClient,
  DECISION_TABLE_SPECS,
  SAMPLE_ROW_BINARY,
  STATUS_TABLE_SPECS,
  TableBatch,
  type TableSpec,
  TELEMETRY_TABLE_SPECS,
} from '../src';

export function testConfig(prefix: string): ClickHouseConfig {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) throw new Error('CLICKHOUSE_URL is not set (the integration global setup provides it)');
  return { url, database: `${prefix}_${randomBytes(4).toString('hex')}` };
}

export async function dropDatabase(config: ClickHouseConfig): Promise<void> {
  const client = createClickHouseClient(config, { database: 'default' });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${config.database}` });
  } finally {
    await client.close();
  }
}

export async function queryRows<T>(config: ClickHouseConfig, query: string): Promise<T[]> {
  const client = createClickHouseClient(config);
  try {
    const result = await client.query({ query, format: 'JSONEachRow' });
    return await result.json<T>();
  } finally {
    await client.close();
  }
}

/** Writes reports the way the loaders do: flattened, every table of one delivery in one batch. */
/**
 * The status tables as a loader before 025 wrote them: sample rows without `unit` and
 * `created_timestamp_us` (the schema an install upgrading through 020 has). The loader's own encoder, its
 * last two columns cut off again (the fixtures' units are '', one byte, and created timestamps null, one).
 */
export const STATUS_SPECS_BEFORE_025: ReadonlyMap<string, TableSpec> = new Map([
  ...STATUS_TABLE_SPECS,
  [
    'prometheus_samples',
    {
      name: 'prometheus_samples',
      floatColumns: ['value'],
      rowBinary: {
        columns: SAMPLE_ROW_BINARY.columns.filter((c) => c !== 'unit' && c !== 'created_timestamp_us'),
        write(r, out) {
          const row = r as PrometheusSampleRow;
          if (row.unit !== '' || row.created_timestamp_us !== null)
            throw new Error('not a row of before 025');
          SAMPLE_ROW_BINARY.write(row, out);
          out.truncate(out.length - 2);
        },
      },
    },
  ],
]);

export async function deliverReports(
  writer: BatchWriter,
  statuses: StatusReport[],
  versions: TelemetryReport[],
  releases: ReleaseInfo[],
  checks: VersionCheck[] = [],
  decisions: DecisionEvent[] = [],
  statusSpecs: ReadonlyMap<string, TableSpec> = STATUS_TABLE_SPECS,
): Promise<void> {
  const batch = new TableBatch(new Map([...statusSpecs, ...TELEMETRY_TABLE_SPECS, ...DECISION_TABLE_SPECS]));
  for (const status of statuses) {
    const rows = flattenStatus(status);
    for (const table of STATUS_TABLES) batch.add(table, rows[table]);
  }
  batch.add('version_reports', versions.map(flattenTelemetry));
  batch.add('releases', releases.map(flattenRelease));
  batch.add('version_checks', checks.map(flattenVersionCheck));
  batch.add('decisions', decisions.map(flattenDecision));
  await writer.write(batch);
}

/** A version report of instance `id` received at `receivedAt` (micros), with no client details. */
export function telemetryReport(
  id: string,
  version: string,
  heap: number | null,
  receivedAt: number,
): TelemetryReport {
  return {
    event_id: `tel-${id}-${receivedAt}`,
    received_at: receivedAt,
    gateway_id: 'gw',
    id,
    version,
    heap_usage_bytes: heap,
    client: { user_agent: null, agent: null, agent_version: null, os: null, arch: null },
    extra_json: null,
  };
}

/** The pre-aggregates (migrations 015+), each fed by a materialized view `<name>_mv`. */
export const PREAGGREGATES = [
  'daily_version_instances',
  'instance_versions',
  'instance_status',
  'partition_reports_per_minute',
  'bundle_failures_hourly',
  'bundle_health_hourly',
  'instance_request_durations',
  'version_checks_daily',
  'decisions_per_minute',
  'instance_latest_versions',
  'instance_request_histograms',
  'daily_version_instances_hll',
  'decisions_per_minute_hll',
  'instance_latest_status',
  'decisions_per_hour_hll',
  'decision_verdicts_hourly',
  'decision_locations',
  'decision_errors',
];
