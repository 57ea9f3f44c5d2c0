// Backfill of the pre-aggregates (migrations 015+): a materialized view sees only the rows inserted
// after it was created, so rows loaded before its migration are added to its target by running the
// view's own SELECT over the source table, one source partition (month) at a time so memory stays
// bounded on a big table.
//
// Safe to run at any time, any number of times, while the loaders write: every pre-aggregate state is
// idempotent (uniq of ids, argMax, max), so rows the view already aggregated, or a backfill run twice,
// change nothing. The plan is read from the rendered migrations themselves (each
// `CREATE MATERIALIZED VIEW ... TO target AS SELECT ... FROM source ...`), so it cannot drift from the
// views. In cluster mode the views read and write the `_local` tables on each shard; the backfill reads
// and writes the Distributed tables in front of them instead (the target's sharding key puts each
// state on the shard its rows live on), so one run from any node covers every shard.
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStoreError, toStoreError } from './clickhouse-error';
import { type ClickHouseConfig, createClickHouseClient } from './client';
import { distributedName, viewSelectOf } from './materialized-view';
import { renderStatements, type TemplateContext } from './migration-template';
import { loadMigrations, type Migration, type MigrationLogger, templateContext } from './migrations';

export interface BackfillStep {
  /** The materialized view this step reproduces. */
  view: string;
  /** Where its states go (the Distributed table in cluster mode). */
  target: string;
  /** Where its rows come from (the Distributed table in cluster mode). */
  source: string;
  /** The source's partition expression (e.g. `toYYYYMM(received_at)`), or null: one statement. */
  partitionExpression: string | null;
  /** The view's SELECT, reading `source`. */
  select: string;
}

const CREATE_TABLE =
  /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\S+)[\s\S]*?\bPARTITION\s+BY\s+(toYYYYMM\(\w+\))/i;

/** The backfill of every materialized view in `migrations`, in migration order (pure). */
export function planBackfill(migrations: Migration[], ctx: TemplateContext): BackfillStep[] {
  const statements = migrations.flatMap((m) => renderStatements(m.sql, ctx));
  const partitions = new Map<string, string>();
  for (const statement of statements) {
    const table = CREATE_TABLE.exec(statement);
    if (table) partitions.set(distributedName(table[1]!, ctx), table[2]!);
  }
  const steps: BackfillStep[] = [];
  for (const statement of statements) {
    const view = viewSelectOf(statement, ctx);
    if (view) steps.push({ ...view, partitionExpression: partitions.get(view.source) ?? null });
  }
  return steps;
}

/** The INSERT that backfills one partition (`partition` null: the whole source). */
export function backfillStatement(step: BackfillStep, partition: string | null): string {
  if (partition === null || step.partitionExpression === null) {
    return `INSERT INTO ${step.target} ${step.select}`;
  }
  if (!/^\d+$/.test(partition)) throw invalid(`partition ${JSON.stringify(partition)} is not a month number`);
  const filter = `${step.partitionExpression} = ${partition}`;
  const where = /\bWHERE\b([\s\S]*?)\bGROUP\s+BY\b/i;
  const select = where.test(step.select)
    ? step.select.replace(
        where,
        (_m, condition: string) => `WHERE (${filter}) AND (${condition.trim()})\nGROUP BY`,
      )
    : step.select.replace(/\bGROUP\s+BY\b/i, `WHERE ${filter}\nGROUP BY`);
  if (select === step.select)
    throw invalid(`materialized view ${step.view} has no GROUP BY to filter before`);
  return `INSERT INTO ${step.target} ${select}`;
}

export interface BackfillOptions {
  dir?: string;
  logger?: MigrationLogger;
  /** Only these targets (plain table names, e.g. `instance_versions`); all when absent. */
  only?: string[];
}

export interface BackfillReport {
  target: string;
  partitions: number;
  seconds: number;
}

/** Runs the backfill of every pre-aggregate (or those in `only`) against the configured database. */
export async function runBackfill(
  config: ClickHouseConfig,
  options: BackfillOptions = {},
): Promise<BackfillReport[]> {
  const ctx = templateContext(config);
  const steps = planBackfill(loadMigrations(options.dir), ctx).filter(
    (s) => !options.only || options.only.includes(s.target.slice(ctx.database.length + 1)),
  );
  const unknown = (options.only ?? []).filter((t) => !steps.some((s) => s.target === `${ctx.database}.${t}`));
  if (unknown.length > 0) throw invalid(`no pre-aggregate named ${unknown.join(', ')}`);
  const client = createClickHouseClient(config);
  const reports: BackfillReport[] = [];
  try {
    for (const step of steps) {
      const started = performance.now();
      const partitions = step.partitionExpression === null ? [null] : await sourcePartitions(client, step);
      for (const partition of partitions) {
        await execute(client, backfillStatement(step, partition));
        options.logger?.info({ target: step.target, partition }, 'pre-aggregate backfilled');
      }
      reports.push({
        target: step.target,
        partitions: partitions.length,
        seconds: (performance.now() - started) / 1000,
      });
    }
  } finally {
    await client.close();
  }
  return reports;
}

async function sourcePartitions(client: ClickHouseClient, step: BackfillStep): Promise<string[]> {
  try {
    const result = await client.query({
      query: `SELECT DISTINCT toString(${step.partitionExpression}) AS p FROM ${step.source} ORDER BY p`,
      format: 'JSONEachRow',
    });
    return (await result.json<{ p: string }>()).map((r) => r.p);
  } catch (err) {
    throw toStoreError('BACKFILL_FAILED', `reading the partitions of ${step.source} failed`, err);
  }
}

async function execute(client: ClickHouseClient, statement: string): Promise<void> {
  try {
    await client.command({ query: statement });
  } catch (err) {
    throw toStoreError('BACKFILL_FAILED', `backfill statement failed (${statement.slice(0, 80)}...)`, err);
  }
}

function invalid(message: string): ClickHouseStoreError {
  return new ClickHouseStoreError('BACKFILL_FAILED', message, { retriable: false });
}
