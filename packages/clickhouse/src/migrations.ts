// Migration runner: applies schemas/clickhouse/NNN_*.sql in order and records each in
// `schema_migrations`.
//
// Safe to run from several loaders at once without a lock ("apply, then record"):
// - every statement is idempotent (`CREATE ... IF NOT EXISTS`; checked by lintMigration), so two
//   runners applying the same migration at the same moment both succeed, and a runner that died
//   half-way simply re-applies the whole file next time;
// - a runner records version N only after it has itself applied 1..N, so a recorded version is
//   always fully applied;
// - `schema_migrations` is a ReplacingMergeTree keyed by version: the two records written by two
//   racing runners collapse, and reads group by version;
// - the narrow window where two `CREATE TABLE IF NOT EXISTS` race on one server and the loser
//   reports "already exists" (codes 57 TABLE_ALREADY_EXISTS, 82 DATABASE_ALREADY_EXISTS) counts
//   as success;
// - 18.16 has no `ADD COLUMN IF NOT EXISTS`: an ALTER that adds exactly one column is idempotent by the
//   runner instead, which takes "column already exists" (code 44) for that statement as done.
// An applied migration whose file changed afterwards is an error (MIGRATION_CHANGED): migrations
// are append-only; change the schema with a new file.
//
// The runner asks the server its version (`SELECT version()`) and renders the templates for what it
// supports (server-features.ts): a `{{requires codecs}}` ALTER is left out on 18.16. Each record names
// the features it was rendered with (`applied_by` ends in ` features=codecs,low_cardinality,ttl`), so a
// migration with feature placeholders that was applied while the server lacked a feature is applied
// again, and recorded again, once the server has it (an install that upgraded from 18.16 gets the
// compact columns on the next start; the statements are idempotent, so this is safe).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStoreError, serverCodeOf, toStoreError } from './clickhouse-error';
import { type ClickHouseConfig, createClickHouseClient } from './client';
import {
  DEFAULT_REPLICA_NAME,
  DEFAULT_ZOOKEEPER_PATH,
  renderStatements,
  type TemplateContext,
} from './migration-template';
import { featureList, type ServerFeatures, serverFeatures } from './server-features';
import { groupRebuilds, runRebuild } from './table-rebuild';

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../schemas/clickhouse', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  /** The template as stored in the file. */
  sql: string;
  /** sha256 of the template. */
  checksum: string;
}

export interface MigrationResult {
  applied: Migration[];
  alreadyApplied: Migration[];
}

export interface MigrationLogger {
  info(obj: object, msg?: string): void;
}

const ALREADY_EXISTS_CODES = new Set(['57', '82']);
/** ILLEGAL_COLUMN, which ADD COLUMN of a column the table has answers ("column with this name already exists"). */
const COLUMN_EXISTS_CODE = '44';

/**
 * An ALTER TABLE that adds exactly one column and does nothing else: rerunnable, as the runner takes
 * "already exists" for it as done (18.16 has no ADD COLUMN IF NOT EXISTS).
 */
export function addsOneColumn(statement: string): boolean {
  return (
    /^ALTER\s+TABLE\b/i.test(statement) &&
    (statement.match(/\bADD\s+COLUMN\b/gi) ?? []).length === 1 &&
    !/,\s*(ADD|DROP|MODIFY|CLEAR|COMMENT|RENAME|UPDATE|DELETE|MATERIALIZE)\s/i.test(statement) &&
    !/\b(DROP|MODIFY|CLEAR|RENAME)\s+COLUMN\b/i.test(statement)
  );
}

export function loadMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f));
  const migrations = files
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (i > 0 && migrations[i - 1]!.version === m.version) {
      throw new ClickHouseStoreError('MIGRATION_INVALID', `two migrations with version ${m.version}`, {
        retriable: false,
      });
    }
  });
  return migrations;
}

/**
 * Rules every migration must follow so concurrent runners are safe. Returns the violations. A
 * `{{rebuild}}`'s statements are guarded by the table's state instead (table-rebuild.ts).
 */
export function lintMigration(migration: Migration, ctx: TemplateContext): string[] {
  const problems: string[] = [];
  let grouped: ReturnType<typeof groupRebuilds>;
  try {
    grouped = groupRebuilds(renderStatements(migration.sql, ctx));
  } catch (err) {
    return [`${migration.name}: ${(err as Error).message}`];
  }
  for (const statement of grouped.filter((s): s is string => typeof s === 'string')) {
    const head = statement.replace(/\s+/g, ' ').slice(0, 80);
    if (
      /^CREATE\b/i.test(statement) &&
      !/^CREATE\s+(TABLE|VIEW|DATABASE|MATERIALIZED\s+VIEW)\s+IF\s+NOT\s+EXISTS\b/i.test(statement)
    ) {
      problems.push(`${migration.name}: CREATE without IF NOT EXISTS: ${head}`);
    } else if (
      /^(ALTER|DROP|RENAME|INSERT|TRUNCATE)\b/i.test(statement) &&
      !/\bIF\s+(NOT\s+)?EXISTS\b/i.test(statement) &&
      !addsOneColumn(statement)
    ) {
      problems.push(`${migration.name}: not idempotent: ${head}`);
    }
  }
  return problems;
}

export function templateContext(config: ClickHouseConfig, features?: ServerFeatures): TemplateContext {
  return {
    database: config.database,
    cluster: config.cluster ?? null,
    zookeeperPath: config.zookeeperPath ?? DEFAULT_ZOOKEEPER_PATH,
    replicaName: config.replicaName ?? DEFAULT_REPLICA_NAME,
    ...(features ? { features } : {}),
  };
}

/** Whether a template renders differently by server feature (and so may need applying again). */
export function dependsOnServerFeatures(migration: Migration): boolean {
  return /\{\{\s*(requires|codec|low_cardinality)\b/.test(migration.sql);
}

/** The features named in an `applied_by` record (`none` for records made before features existed). */
function recordedFeatures(appliedBy: string): Set<string> {
  const m = / features=(\S+)$/.exec(appliedBy);
  return new Set(m && m[1] !== 'none' ? m[1]!.split(',') : []);
}

/** The server's version, unless the caller knows it (tools that render for a server they cannot ask). */
async function serverVersionOf(client: ClickHouseClient): Promise<string> {
  try {
    const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
    const [row] = await result.json<{ version: string }>();
    if (!row) throw new Error('SELECT version() returned no row');
    return row.version;
  } catch (err) {
    throw toStoreError('MIGRATION_FAILED', 'asking the server its version failed', err);
  }
}

export async function runMigrations(
  config: ClickHouseConfig,
  options: { dir?: string; logger?: MigrationLogger; serverVersion?: string } = {},
): Promise<MigrationResult> {
  const migrations = loadMigrations(options.dir);
  // The database may not exist yet, and a client bound to it would fail: bootstrap via `default`.
  const bootstrap = createClickHouseClient(config, { database: 'default' });
  try {
    const features = serverFeatures(options.serverVersion ?? (await serverVersionOf(bootstrap)));
    const ctx = templateContext(config, features);
    const rendering = featureList(features);
    for (const statement of renderStatements(bootstrapTemplate(), ctx)) await execute(bootstrap, statement);
    const applied = await appliedVersions(bootstrap, ctx.database);
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      const previous = applied.get(migration.version);
      if (previous !== undefined) {
        if (previous.checksum !== migration.checksum) {
          throw new ClickHouseStoreError(
            'MIGRATION_CHANGED',
            `migration ${migration.name} was applied with checksum ${previous.checksum} but the file now has ${migration.checksum}`,
            { retriable: false },
          );
        }
        const gained =
          rendering === 'none' ? [] : rendering.split(',').filter((f) => !previous.features.has(f));
        if (!dependsOnServerFeatures(migration) || gained.length === 0) {
          result.alreadyApplied.push(migration);
          continue;
        }
        options.logger?.info({ migration: migration.name, gained }, 'server gained features: applying again');
      }
      const problems = lintMigration(migration, ctx);
      if (problems.length > 0)
        throw new ClickHouseStoreError('MIGRATION_INVALID', problems.join('; '), { retriable: false });
      for (const step of groupRebuilds(renderStatements(migration.sql, ctx))) {
        if (typeof step === 'string') await execute(bootstrap, step);
        else {
          const phases = await runRebuild(bootstrap, step, ctx, (s) => execute(bootstrap, s));
          options.logger?.info({ migration: migration.name, table: step.table, phases }, 'table rebuild');
        }
      }
      await bootstrap.insert({
        table: `${ctx.database}.schema_migrations`,
        format: 'JSONEachRow',
        values: [
          {
            version: migration.version,
            name: migration.name,
            checksum: migration.checksum,
            applied_at: Math.floor(Date.now() / 1000),
            applied_by: `${hostname()}:${process.pid} features=${rendering}`,
          },
        ],
      });
      options.logger?.info({ migration: migration.name }, 'migration applied');
      result.applied.push(migration);
    }
    return result;
  } finally {
    await bootstrap.close();
  }
}

function bootstrapTemplate(): string {
  return `
CREATE DATABASE IF NOT EXISTS {{db}} {{on_cluster}};
CREATE TABLE IF NOT EXISTS {{db}}.schema_migrations {{on_cluster}}
(
  version UInt32,
  name String,
  checksum String,
  applied_at DateTime('UTC'),
  applied_by String
)
ENGINE = {{replacing_merge_tree schema_migrations}}
ORDER BY version;
`;
}

interface AppliedMigration {
  checksum: string;
  /** Every feature some record of this version was rendered with. */
  features: Set<string>;
}

async function appliedVersions(
  client: ClickHouseClient,
  database: string,
): Promise<Map<number, AppliedMigration>> {
  try {
    const result = await client.query({
      query:
        'SELECT version, any(checksum) AS checksum, groupArray(applied_by) AS applied_by ' +
        `FROM ${database}.schema_migrations GROUP BY version`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ version: number | string; checksum: string; applied_by: string[] }>();
    return new Map(
      rows.map((r) => [
        Number(r.version),
        { checksum: r.checksum, features: new Set(r.applied_by.flatMap((a) => [...recordedFeatures(a)])) },
      ]),
    );
  } catch (err) {
    throw toStoreError('MIGRATION_FAILED', 'reading schema_migrations failed', err);
  }
}

async function execute(client: ClickHouseClient, statement: string): Promise<void> {
  try {
    await client.command({ query: statement });
  } catch (err) {
    const code = serverCodeOf(err);
    if (code !== null && ALREADY_EXISTS_CODES.has(code)) return;
    if (code === COLUMN_EXISTS_CODE && addsOneColumn(statement) && /already exists/i.test(String(err)))
      return;
    throw toStoreError('MIGRATION_FAILED', `migration statement failed (${statement.slice(0, 60)}...)`, err);
  }
}
