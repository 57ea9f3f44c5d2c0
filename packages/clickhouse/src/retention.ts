// Retention per table: how long each table keeps its rows, applied the way the server can.
// - A server with TTL (current ClickHouse) gets `ALTER TABLE ... MODIFY TTL <time> + INTERVAL n DAY` and
//   deletes expired rows itself, in merges; a table set back to "keep everything" gets `REMOVE TTL`.
// - 18.16 has no TTL: whole monthly partitions (every table is PARTITION BY toYYYYMM(<time>)) are dropped
//   once their last day is older than the retention, so it keeps at least n days and at most a month more.
//   This runs when the command runs: schedule it (daily is plenty).
// Statements go through the migration templating, so cluster mode gets `ON CLUSTER` on the _local tables.
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStoreError, toStoreError } from './clickhouse-error';
import { type ClickHouseConfig, createClickHouseClient } from './client';
import { renderStatements, type TemplateContext } from './migration-template';
import { templateContext } from './migrations';
import { serverFeatures } from './server-features';

/** The tables with a retention, and the column their monthly partitions and TTL follow. */
export const RETENTION_TABLES: ReadonlyMap<string, string> = new Map([
  ['status_reports', 'received_at'],
  ['bundles', 'received_at'],
  ['plugins', 'received_at'],
  ['prometheus_samples', 'received_at'],
  ['version_reports', 'received_at'],
  ['version_checks', 'received_at'],
  ['decisions', 'decided_at'],
]);

/** Days to keep, per table; a table not in the map keeps everything. */
export type RetentionPolicy = ReadonlyMap<string, number>;

const MAX_DAYS = 36_500;

/**
 * `RETENTION_DAYS`: `table=days` pairs, comma-separated (`prometheus_samples=35,bundles=90`); `*=days` sets
 * every table not named; `0` or `keep` keeps everything. Empty: keep everything everywhere.
 */
export function parseRetentionPolicy(spec: string): RetentionPolicy {
  const policy = new Map<string, number>();
  let fallback: number | null = null;
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_*][A-Za-z0-9_]*)\s*=\s*(\d+|keep)$/.exec(item);
    if (!m) throw invalid(`retention ${JSON.stringify(item)} is not table=days`);
    const [, table, value] = m as unknown as [string, string, string];
    const days = value === 'keep' ? 0 : Number(value);
    if (days > MAX_DAYS) throw invalid(`retention for ${table}: ${days} days is more than ${MAX_DAYS}`);
    if (table === '*') fallback = days;
    else if (!RETENTION_TABLES.has(table)) {
      throw invalid(
        `retention for ${table}: not a table with a retention (${[...RETENTION_TABLES.keys()].join(', ')})`,
      );
    } else policy.set(table, days);
  }
  const result = new Map<string, number>();
  for (const table of RETENTION_TABLES.keys()) {
    const days = policy.get(table) ?? fallback ?? 0;
    if (days > 0) result.set(table, days);
  }
  return result;
}

/** `MODIFY TTL` for the kept tables, `REMOVE TTL` for `withTtl` tables the policy now keeps for ever. */
export function ttlStatements(
  policy: RetentionPolicy,
  ctx: TemplateContext,
  withTtl: ReadonlySet<string>,
): string[] {
  const template = [...RETENTION_TABLES]
    .flatMap(([table, column]) => {
      const days = policy.get(table);
      if (days !== undefined) {
        return [`ALTER TABLE {{local ${table}}} {{on_cluster}} MODIFY TTL ${column} + INTERVAL ${days} DAY;`];
      }
      return withTtl.has(table) ? [`ALTER TABLE {{local ${table}}} {{on_cluster}} REMOVE TTL;`] : [];
    })
    .join('\n');
  return renderStatements(template, ctx);
}

/** Monthly partition ids (`YYYYMM`) every row of which is older than `days` before `nowSeconds`. */
export function expiredPartitions(partitions: readonly string[], days: number, nowSeconds: number): string[] {
  const cutoffMs = (nowSeconds - days * 86_400) * 1000;
  return partitions
    .filter((p) => {
      const m = /^(\d{4})(\d{2})$/.exec(p);
      if (!m) return false;
      // The first instant of the following month: the month's last row is before it.
      const nextMonth = Date.UTC(Number(m[1]), Number(m[2]), 1);
      return nextMonth <= cutoffMs;
    })
    .sort();
}

export function dropPartitionStatements(
  table: string,
  partitions: readonly string[],
  ctx: TemplateContext,
): string[] {
  const template = partitions
    .map((p) => `ALTER TABLE {{local ${table}}} {{on_cluster}} DROP PARTITION ${p};`)
    .join('\n');
  return renderStatements(template, ctx);
}

export interface RetentionAction {
  table: string;
  /** `ttl`: MODIFY/REMOVE TTL; `drop`: partitions dropped (18.16). */
  kind: 'ttl' | 'drop';
  statement: string;
}

export interface RetentionLogger {
  info(obj: object, msg?: string): void;
}

/**
 * Applies `policy` to the server `config` names: TTL where the server has it, otherwise drops the expired
 * monthly partitions. `dryRun` returns the statements without running them.
 */
export async function applyRetention(
  config: ClickHouseConfig,
  policy: RetentionPolicy,
  options: { nowSeconds?: number; dryRun?: boolean; logger?: RetentionLogger; serverVersion?: string } = {},
): Promise<RetentionAction[]> {
  const client = createClickHouseClient(config, { database: 'default' });
  try {
    const features = serverFeatures(
      options.serverVersion ?? (await query<{ v: string }>(client, 'SELECT version() AS v'))[0]!.v,
    );
    const ctx = templateContext(config, features);
    const actions = features.ttl
      ? await ttlActions(client, policy, ctx)
      : await dropActions(client, policy, ctx, options.nowSeconds ?? Math.floor(Date.now() / 1000));
    for (const action of actions) {
      if (!options.dryRun) {
        try {
          await client.command({ query: action.statement });
        } catch (err) {
          throw toStoreError(
            'RETENTION_FAILED',
            `retention statement failed (${action.statement.slice(0, 80)})`,
            err,
          );
        }
      }
      options.logger?.info(
        { table: action.table, statement: action.statement, dryRun: options.dryRun ?? false },
        'retention',
      );
    }
    return actions;
  } finally {
    await client.close();
  }
}

async function ttlActions(
  client: ClickHouseClient,
  policy: RetentionPolicy,
  ctx: TemplateContext,
): Promise<RetentionAction[]> {
  const local = (t: string) => (ctx.cluster === null ? t : `${t}_local`);
  const rows = await query<{ name: string; ttl: number }>(
    client,
    `SELECT name, position(create_table_query, ' TTL ') > 0 AS ttl FROM system.tables WHERE database = '${ctx.database}'`,
  );
  const withTtl = new Set(
    [...RETENTION_TABLES.keys()].filter((t) => rows.some((r) => r.name === local(t) && Number(r.ttl) === 1)),
  );
  const existing = new Set(rows.map((r) => r.name));
  const present = new Map([...policy].filter(([t]) => existing.has(local(t))));
  return ttlStatements(present, ctx, withTtl).map((statement) => ({
    table: /^ALTER TABLE \S+\.(\w+)/.exec(statement)![1]!,
    kind: 'ttl' as const,
    statement,
  }));
}

async function dropActions(
  client: ClickHouseClient,
  policy: RetentionPolicy,
  ctx: TemplateContext,
  nowSeconds: number,
): Promise<RetentionAction[]> {
  const actions: RetentionAction[] = [];
  // In cluster mode every shard's partitions count: a month may be on some shards only.
  const parts = ctx.cluster === null ? 'system.parts' : `cluster('${ctx.cluster}', system.parts)`;
  for (const [table, days] of policy) {
    const localName = ctx.cluster === null ? table : `${table}_local`;
    const rows = await query<{ partition: string }>(
      client,
      `SELECT DISTINCT partition FROM ${parts} WHERE database = '${ctx.database}' AND table = '${localName}' AND active`,
    );
    const expired = expiredPartitions(
      rows.map((r) => r.partition),
      days,
      nowSeconds,
    );
    for (const statement of dropPartitionStatements(table, expired, ctx))
      actions.push({ table, kind: 'drop', statement });
  }
  return actions;
}

async function query<T>(client: ClickHouseClient, sql: string): Promise<T[]> {
  try {
    return await (await client.query({ query: sql, format: 'JSONEachRow' })).json<T>();
  } catch (err) {
    throw toStoreError('RETENTION_FAILED', `retention query failed (${sql.slice(0, 80)})`, err);
  }
}

function invalid(message: string): ClickHouseStoreError {
  return new ClickHouseStoreError('RETENTION_INVALID', message, { retriable: false });
}
