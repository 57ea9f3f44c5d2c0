// Storage per report: what the status-loader's rows of real OPA status updates cost on disk, on the 18.16
// server (the DDL it gets) and on current ClickHouse (chDB, embedded) with the compact DDL the migrations
// render there, and with 18.16's DDL for reference; and both servers' DDL before migration 020 (samples
// sorted by name first) for comparison. Bytes from system.parts (active parts, after
// OPTIMIZE TABLE ... FINAL); per column from system.columns.
//
// The data: the status update a real OPA v1.22.3 sent (test/fixtures/opa-real/v1.22.3/status-prometheus.json,
// 400 sample rows) from `--instances` instances, `--reports` each, one per `--interval` seconds, through
// normalizeStatus -> flattenStatus -> the loader's encoders (TableBatch: RowBinary samples), in batches of
// `--batch` reports (one insert per table each, as the loader does). Values move as a fleet's do: counters
// (and histogram/summary buckets, sums, counts) grow with time at a per-instance rate, gauges wander
// around their real value, zeros stay zero; instance ids are UUIDs, as OPA's are.
//
//   npx tsx test/bench/loader-storage.bench.ts [--instances 500] [--reports 6] [--interval 60] [--batch 100]
//
// Needs CLICKHOUSE_URL (default http://127.0.0.1:18123) and the chDB venv (infra/bin/chdb-env makes it).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BatchWriter,
  createClickHouseClient,
  fullRebuildStatements,
  groupRebuilds,
  LOADER_TABLES,
  loadMigrations,
  payloadBytes,
  renderStatements,
  runMigrations,
  STATUS_TABLE_SPECS,
  serverFeatures,
  TableBatch,
  templateContext,
} from '@opa-fleet/clickhouse';
import { normalizeStatus } from '@opa-fleet/contracts';
import { flattenStatus, type PrometheusSampleRow, STATUS_TABLES, type StatusRows } from '@opa-fleet/flatten';
import { type ChdbStep, chdbPython, runChdb } from '../../packages/clickhouse/test/chdb-runner';
import { realOpaStatusBodies } from '../support/fixtures';
import { migrationsDirWithout } from './loader-run';

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '500' },
    reports: { type: 'string', default: '6' },
    interval: { type: 'string', default: '60' },
    batch: { type: 'string', default: '100' },
  },
});
const INSTANCES = Number(args.instances);
const REPORTS = Number(args.reports);
const INTERVAL_S = Number(args.interval);
const BATCH = Number(args.batch);
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
const run = randomBytes(4).toString('hex');
/** The last migration before prometheus_samples was sorted by report (020). */
/** The samples sorted by name first: every migration but 020 (the rebuild sorted by report). */
const SORTED_BY_NAME = [20];

/** A deterministic uniform number in [0, 1) from a string (FNV-1a: the same data on every run, fast). */
function unit(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i += 1) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

const uuidOf = (seed: string) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const GROWS = /(_total|_count|_sum|_bucket)$/;

/** The value report `r` of instance `i` carries for a sample whose real value is `v`. */
function moved(row: PrometheusSampleRow, i: number, r: number): number {
  const v = row.value;
  if (v === 0 || !Number.isFinite(v)) return v;
  const rate = 0.5 + unit(`rate-${i}-${row.name}`);
  if (row.type === 'counter' || GROWS.test(row.name)) {
    const grown = v * (1 + (r * rate) / 10);
    return Number.isInteger(v) ? Math.round(grown) : grown;
  }
  const wandered = v * (1 + 0.05 * (unit(`g-${i}-${r}-${row.name}-${row.label_values.join()}`) - 0.5));
  return Number.isInteger(v) ? Math.round(wandered) : wandered;
}

function fleetRows(): StatusRows[] {
  const real = realOpaStatusBodies().find(
    (b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json',
  );
  if (!real) throw new Error('the real OPA v1.22.3 status update is missing from test/fixtures/opa-real');
  const body = JSON.parse(real.text) as { labels: Record<string, string> };
  const start = Math.floor(Date.UTC(2026, 10, 2) / 1000) * 1_000_000;
  const rows: StatusRows[] = [];
  for (let r = 0; r < REPORTS; r += 1) {
    for (let i = 0; i < INSTANCES; i += 1) {
      const jitter = Math.floor(unit(`j-${i}-${r}`) * 2_000_000);
      const report = normalizeStatus(
        { ...body, labels: { ...body.labels, id: uuidOf(`instance-${i}`) } },
        {
          eventId: uuidOf(`event-${i}-${r}`),
          receivedAt: start + (r * INTERVAL_S + (i % INTERVAL_S)) * 1_000_000 + jitter,
          gatewayId: 'gw-1',
          userAgent: 'Go-http-client/1.1',
          partition: null,
        },
      );
      const flat = flattenStatus(report);
      for (const s of flat.prometheus_samples) s.value = moved(s, i, r);
      rows.push(flat);
    }
  }
  return rows;
}

function batches(rows: StatusRows[]): TableBatch[] {
  const out: TableBatch[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    for (const r of rows.slice(i, i + BATCH)) batch.addAll(Object.entries(r) as [string, object[]][]);
    out.push(batch);
  }
  return out;
}

interface TableBytes {
  table: string;
  rows: number;
  bytes: number;
}
interface ColumnBytes {
  table: string;
  column: string;
  type: string;
  bytes: number;
}
interface Measurement {
  label: string;
  /** prometheus_samples' sorting key, as the server has it. */
  sortingKey?: string;
  tables: TableBytes[];
  columns: ColumnBytes[];
}

const partsSql = (db: string) =>
  'SELECT table, toUInt64(sum(rows)) AS rows, toUInt64(sum(bytes_on_disk)) AS bytes FROM system.parts ' +
  `WHERE database = '${db}' AND active GROUP BY table ORDER BY table`;
const columnsSql = (db: string) =>
  'SELECT table, name AS column, type, toUInt64(data_compressed_bytes + marks_bytes) AS bytes FROM system.columns ' +
  `WHERE database = '${db}' AND table = 'prometheus_samples' ORDER BY bytes DESC`;

/** UInt64 comes quoted in JSON. */
const numeric = <T>(rows: readonly object[]): T[] =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]),
    ),
  ) as T[];

async function onLegacyServer(
  all: TableBatch[],
  without: readonly number[] = [],
): Promise<Measurement & { version: string }> {
  const database = `bench_storage_${run}_${without.length > 0 ? `without_${without.join('_')}` : 'all'}`;
  const config = { url: clickhouseUrl, database };
  const dir = without.length > 0 ? migrationsDirWithout(without) : undefined;
  await runMigrations(config, dir ? { dir } : {});
  if (dir) rmSync(dir, { recursive: true, force: true });
  const client = createClickHouseClient(config);
  try {
    const writer = new BatchWriter({ client, database, tableOrder: LOADER_TABLES, attempts: 3 });
    for (const batch of all) await writer.write(batch);
    for (const t of STATUS_TABLES) await client.command({ query: `OPTIMIZE TABLE ${database}.${t} FINAL` });
    const query = async <T>(sql: string) =>
      numeric<T>(await (await client.query({ query: sql, format: 'JSONEachRow' })).json<object>());
    const [{ version }] = (await query<{ version: string }>('SELECT version() AS version')) as [
      { version: string },
    ];
    const tables = await query<TableBytes>(partsSql(database));
    const columns = await query<ColumnBytes>(columnsSql(database));
    const [sort] = await query<{ sorting_key: string }>(
      `SELECT sorting_key FROM system.tables WHERE database = '${database}' AND name = 'prometheus_samples'`,
    );
    const label = `ClickHouse ${version}, its DDL${dir ? ' without 020 (samples sorted by name first)' : ''}`;
    return { label, version, tables, columns, sortingKey: sort?.sorting_key ?? '' };
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  }
}

/**
 * Every migration but the `without` versions as the runner sends it to a server of `version` that has none
 * of them yet (plus its bootstrap database); a table rebuild (020) in full, as on a fresh install.
 */
function renderedMigrations(database: string, version: string, without: readonly number[] = []): string[] {
  const ctx = templateContext({ url: 'http://unused', database }, serverFeatures(version));
  const statements = loadMigrations()
    .filter((m) => !without.includes(m.version))
    .flatMap((m) => groupRebuilds(renderStatements(m.sql, ctx)))
    .flatMap((s) => (typeof s === 'string' ? [s] : fullRebuildStatements(s, ctx)));
  return [`CREATE DATABASE IF NOT EXISTS ${database}`, ...statements];
}

async function onCurrentClickHouse(
  all: TableBatch[],
): Promise<{ version: string; measurements: Measurement[] }> {
  const python = await chdbPython();
  const probe = await runChdb(python, [{ id: 'v', sql: 'SELECT 1' }]);
  const version = probe.engine_version;
  const dir = mkdtempSync(join(tmpdir(), 'opa-storage-'));
  try {
    const bodies = all.flatMap((batch, b) =>
      STATUS_TABLES.filter((t) => batch.rowsOf(t) > 0).map((table) => {
        const payload = batch.payloadOf(table);
        const file = join(dir, `${b}-${table}.${payload.format}`);
        writeFileSync(file, payloadBytes(payload));
        const columns = payload.columns ? ` (${payload.columns.join(', ')})` : '';
        return { table, columns, file, format: payload.format };
      }),
    );
    const variants: { label: string; db: string; renderFor: string; without?: readonly number[] }[] = [
      { label: `ClickHouse ${version}, the compact DDL it gets`, db: 'compact', renderFor: version },
      { label: `ClickHouse ${version}, 18.16's DDL`, db: 'legacy', renderFor: '18.16.1' },
      {
        label: `ClickHouse ${version}, its DDL without 020 (samples sorted by name first)`,
        db: 'byname',
        renderFor: version,
        without: SORTED_BY_NAME,
      },
    ];
    const steps: ChdbStep[] = [];
    for (const v of variants) {
      for (const [i, sql] of renderedMigrations(v.db, v.renderFor, v.without).entries())
        steps.push({ id: `ddl ${v.db} #${i}`, sql });
      for (const [i, b] of bodies.entries()) {
        steps.push({
          id: `insert ${v.db} #${i}`,
          sql: `INSERT INTO ${v.db}.${b.table}${b.columns} FROM INFILE '${b.file}' FORMAT ${b.format}`,
        });
      }
      for (const t of STATUS_TABLES)
        steps.push({ id: `optimize ${v.db} ${t}`, sql: `OPTIMIZE TABLE ${v.db}.${t} FINAL` });
      steps.push({ id: `parts ${v.db}`, sql: partsSql(v.db), format: 'JSONEachRow' });
      steps.push({
        id: `sort ${v.db}`,
        sql: `SELECT sorting_key FROM system.tables WHERE database = '${v.db}' AND name = 'prometheus_samples'`,
        format: 'JSONEachRow',
      });
      steps.push({ id: `columns ${v.db}`, sql: columnsSql(v.db), format: 'JSONEachRow' });
    }
    const result = await runChdb(python, steps);
    const failed = result.results.filter((r) => !r.ok);
    if (failed.length > 0)
      throw new Error(`chDB: ${failed.map((f) => `${f.id}: ${(f as { error: string }).error}`).join('\n')}`);
    const rowsOf = <T>(id: string) =>
      numeric<T>((result.results.find((r) => r.id === id) as { rows: object[] }).rows);
    return {
      version,
      measurements: variants.map((v) => ({
        label: v.label,
        tables: rowsOf<TableBytes>(`parts ${v.db}`),
        columns: rowsOf<ColumnBytes>(`columns ${v.db}`),
        sortingKey: rowsOf<{ sorting_key: string }>(`sort ${v.db}`)[0]?.sorting_key ?? '',
      })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function summary(m: Measurement, reports: number, samples: number) {
  const total = m.tables.reduce((n, t) => n + t.bytes, 0);
  const sampleBytes = m.tables.find((t) => t.table === 'prometheus_samples')?.bytes ?? 0;
  const sampleRows = m.tables.find((t) => t.table === 'prometheus_samples')?.rows ?? 0;
  if (sampleRows !== samples)
    throw new Error(`${m.label}: ${sampleRows} sample rows stored, ${samples} sent`);
  return { total, perSample: sampleBytes / samples, perReport: total / reports };
}

async function main() {
  const t0 = performance.now();
  const rows = fleetRows();
  const samples = rows.reduce((n, r) => n + r.prometheus_samples.length, 0);
  const all = batches(rows);
  console.log(
    `${rows.length} reports (${INSTANCES} instances x ${REPORTS}, every ${INTERVAL_S} s), ${fmt(samples)} sample rows, ` +
      `${all.length} inserts per table; data made in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const legacy = await onLegacyServer(all);
  const legacyByName = await onLegacyServer(all, SORTED_BY_NAME);
  const current = await onCurrentClickHouse(all);
  const base = summary(legacy, rows.length, samples);
  console.log('\nbytes on disk (active parts after OPTIMIZE FINAL; all four status tables per report):');
  for (const m of [legacy, legacyByName, ...current.measurements]) {
    const s = summary(m, rows.length, samples);
    const tables = m.tables.map((t) => `${t.table} ${fmt(t.bytes / 1024)} KiB`).join(', ');
    console.log(
      `  ${m.label}: ${fmt(s.perSample, 1)} B per sample, ${fmt(s.perReport)} B per report ` +
        `(${(s.perSample / base.perSample).toFixed(3)}x 18.16's per sample); ${tables}`,
    );
  }
  for (const m of [legacy, current.measurements[0]!]) {
    console.log(
      `\nprometheus_samples by column, ${m.label}${m.sortingKey ? `, sorted by (${m.sortingKey})` : ''} (bytes per sample, compressed data + marks):`,
    );
    for (const c of m.columns)
      console.log(`  ${c.column.padEnd(16)} ${c.type.padEnd(56)} ${fmt(c.bytes / samples, 2)}`);
  }
  const compact = summary(current.measurements[0]!, rows.length, samples);
  const before = summary(legacyByName, rows.length, samples);
  console.log(
    `\ncompact on ClickHouse ${current.version} / 18.16: ${(compact.perSample / base.perSample).toFixed(3)} per sample ` +
      `(target at most 0.333), ${(compact.perReport / base.perReport).toFixed(3)} per report; ` +
      `/ 18.16 without 020: ${(compact.perSample / before.perSample).toFixed(3)} per sample`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
