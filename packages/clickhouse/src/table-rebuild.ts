// Rebuilding a table with a new sorting key, from a migration (`{{rebuild X}}`, migration-template.ts).
//
// ClickHouse cannot change a MergeTree's ORDER BY in place (only append columns to it), so the rows
// move to a new table. Both servers (18.16 and current) have what this needs: CREATE, a multi-table
// RENAME, INSERT ... SELECT and DROP; nothing here differs by server version. The steps:
//
//   swap:   CREATE the replacement (X_rebuild), then RENAME X TO X_before_rebuild, X_rebuild TO X
//           in one statement: from then on the loaders' inserts land in the new table;
//   finish: the migration's `{{after_rebuild X}}` statements (re-create the materialized views that
//           read X: current ClickHouse binds a view to its source table's UUID, so after the RENAME it
//           would follow the old table; 18.16 binds by name and would not, the re-creation makes both
//           the same; each is then back-filled with its own SELECT from the rows inserted in between), then copy the
//           old rows (INSERT INTO X SELECT * FROM X_before_rebuild), then DROP X_before_rebuild. A TTL the
//           old table had (retention, current ClickHouse) is set on the new one before the copy.
//
// Guarded by state, not by a flag, so a rerun is safe at any point and concurrent runners converge:
// - X already has the new sorting key and no X_before_rebuild exists: done (a fresh install rebuilds
//   the empty table once; reruns, and the re-application after a server upgrade, do nothing);
// - X_before_rebuild exists: a swap happened and its finish did not complete (the runner died, or
//   another runner is finishing it): finish again. The old table is dropped only after a complete
//   copy, so no row is lost; a copy done twice inserts identical rows twice, which the
//   ReplacingMergeTree collapses (the queries already count each report once, schemas/clickhouse
//   README, "Counting each report once"), and the views' states are idempotent (argMax, max);
// - a RENAME that fails because another runner swapped first is not an error once X has the new key.
// In cluster mode the tables are the `_local` ones, renamed and dropped ON CLUSTER; the copy reads every
// shard's old table (`cluster()`) into the Distributed table, which sends each row back to its shard
// (same sharding key).
import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseStoreError, toStoreError } from './clickhouse-error';
import { viewSelectOf } from './materialized-view';
import type { TemplateContext } from './migration-template';

/** One `{{rebuild X}}` of a rendered migration, with its `{{after_rebuild X}}` statements. */
export interface TableRebuild {
  /** X, the name queries use. */
  table: string;
  /** The replacement's CREATE TABLE (IF NOT EXISTS), as rendered. */
  create: string;
  after: string[];
}

/** The names involved, as `db.name` (the `_local` tables in cluster mode). */
export interface RebuildNames {
  target: string;
  replacement: string;
  previous: string;
}

/** What the server has, by table name (without database): each table's sorting key. */
export type RebuildState = ReadonlyMap<string, string>;

const REBUILD = /^\/\* rebuild ([A-Za-z_][A-Za-z0-9_]*) \*\/\s*/;
const AFTER = /^\/\* after rebuild ([A-Za-z_][A-Za-z0-9_]*) \*\/\s*/;

/** Groups rendered statements: plain ones stay strings, `{{rebuild}}`/`{{after_rebuild}}` ones become rebuilds. */
export function groupRebuilds(statements: readonly string[]): (string | TableRebuild)[] {
  const out: (string | TableRebuild)[] = [];
  const open = new Map<string, TableRebuild>();
  for (const statement of statements) {
    const rebuild = REBUILD.exec(statement);
    const after = AFTER.exec(statement);
    if (rebuild) {
      const r: TableRebuild = { table: rebuild[1]!, create: statement.slice(rebuild[0].length), after: [] };
      if (!/^CREATE TABLE IF NOT EXISTS\b/i.test(r.create))
        throw invalid(`{{rebuild ${r.table}}} must start a CREATE TABLE IF NOT EXISTS`);
      sortingKeyOf(r);
      open.set(r.table, r);
      out.push(r);
    } else if (after) {
      const r = open.get(after[1]!);
      if (!r) throw invalid(`{{after_rebuild ${after[1]}}} without a {{rebuild ${after[1]}}} before it`);
      r.after.push(statement.slice(after[0].length));
    } else {
      out.push(statement);
    }
  }
  return out;
}

export function rebuildNames(r: TableRebuild, ctx: TemplateContext): RebuildNames {
  const target = ctx.cluster !== null ? `${r.table}_local` : r.table;
  const created = /^CREATE TABLE IF NOT EXISTS\s+([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)/i.exec(r.create);
  const expected = ctx.cluster !== null ? `${r.table}_rebuild_local` : `${r.table}_rebuild`;
  if (!created || created[1] !== ctx.database || created[2] !== expected)
    throw invalid(`{{rebuild ${r.table}}} must create {{local ${r.table}_rebuild}}`);
  return {
    target: `${ctx.database}.${target}`,
    replacement: `${ctx.database}.${expected}`,
    previous: `${ctx.database}.${target}_before_rebuild`,
  };
}

/** The replacement's sorting key as system.tables spells it: `instance_id, received_at, seq`. */
export function sortingKeyOf(r: TableRebuild): string {
  const m =
    /\bORDER BY\s+\(([^)]*)\)/i.exec(r.create) ?? /\bORDER BY\s+([A-Za-z_][A-Za-z0-9_]*)/i.exec(r.create);
  if (!m) throw invalid(`{{rebuild ${r.table}}}: the replacement has no ORDER BY`);
  return normalizeKey(m[1]!);
}

const normalizeKey = (key: string) =>
  key
    .split(',')
    .map((part) => part.trim())
    .join(', ');

const bare = (qualified: string) => qualified.slice(qualified.indexOf('.') + 1);

export function swapStatements(r: TableRebuild, ctx: TemplateContext): string[] {
  const n = rebuildNames(r, ctx);
  const onCluster = ctx.cluster !== null ? ` ON CLUSTER ${ctx.cluster}` : '';
  return [r.create, `RENAME TABLE ${n.target} TO ${n.previous}, ${n.replacement} TO ${n.target}${onCluster}`];
}

export function finishStatements(r: TableRebuild, ctx: TemplateContext): string[] {
  const n = rebuildNames(r, ctx);
  const copy =
    ctx.cluster !== null
      ? `INSERT INTO ${ctx.database}.${r.table} SELECT * FROM cluster('${ctx.cluster}', ${ctx.database}, ${bare(n.previous)})`
      : `INSERT INTO ${n.target} SELECT * FROM ${n.previous}`;
  const onCluster = ctx.cluster !== null ? ` ON CLUSTER ${ctx.cluster}` : '';
  // Each re-created view, back-filled from the new table's rows so far (those inserted between the swap
  // and the view; its states are idempotent): the view's own SELECT (materialized-view.ts).
  const backfills = r.after
    .map((statement) => viewSelectOf(statement, ctx))
    .filter((v) => v !== null)
    .map((v) => `INSERT INTO ${v.target} ${v.select}`);
  return [...r.after, ...backfills, copy, `DROP TABLE IF EXISTS ${n.previous}${onCluster}`];
}

/** Every statement of a rebuild from the start (a fresh database, or a replay without a server to ask). */
export function fullRebuildStatements(r: TableRebuild, ctx: TemplateContext): string[] {
  return [...swapStatements(r, ctx), ...finishStatements(r, ctx)];
}

export type RebuildPhase = 'swap' | 'finish' | 'done';

/** What is left to do, from the server's state. */
export function rebuildPhase(r: TableRebuild, ctx: TemplateContext, state: RebuildState): RebuildPhase {
  const n = rebuildNames(r, ctx);
  if (state.has(bare(n.previous))) return 'finish';
  const key = state.get(bare(n.target));
  return key !== undefined && normalizeKey(key) === sortingKeyOf(r) ? 'done' : 'swap';
}

/** Runs one rebuild against a server, from whatever state it is in. */
export async function runRebuild(
  client: ClickHouseClient,
  r: TableRebuild,
  ctx: TemplateContext,
  execute: (statement: string) => Promise<void>,
): Promise<RebuildPhase[]> {
  const n = rebuildNames(r, ctx);
  const phases: RebuildPhase[] = [];
  let phase = rebuildPhase(r, ctx, await readState(client, ctx.database, n));
  if (phase === 'swap') {
    phases.push('swap');
    const [create, rename] = swapStatements(r, ctx) as [string, string];
    await execute(create);
    try {
      await client.command({ query: rename });
    } catch (err) {
      // Another runner may have swapped first (the replacement it renamed is gone, or the old name is taken).
      const after = rebuildPhase(r, ctx, await readState(client, ctx.database, n));
      if (after === 'swap')
        throw toStoreError('MIGRATION_FAILED', `swapping in ${n.replacement} failed`, err);
    }
    // Straight to the finish: the old table now exists (a reader of an empty answer, such as a
    // recording without a server, cannot tell).
    phase = 'finish';
  }
  if (phase === 'finish') {
    phases.push('finish');
    await finishWithRetries(client, r, ctx, execute);
  }
  // A replacement a concurrent runner created after another had swapped is empty and never written (the
  // loaders write the target's name): dropped, so it cannot be swapped in later. A runner about to
  // rename it then fails its RENAME and finds the rebuild done.
  const state = await readState(client, ctx.database, n);
  if (state.has(bare(n.replacement)) && rebuildPhase(r, ctx, state) === 'done') {
    const onCluster = ctx.cluster !== null ? ` ON CLUSTER ${ctx.cluster}` : '';
    await execute(`DROP TABLE IF EXISTS ${n.replacement}${onCluster}`);
  }
  phases.push('done');
  return phases;
}

/** The TTL expression of a table's `engine_full` (`... TTL received_at + toIntervalDay(35) SETTINGS ...`), or null. */
export function ttlClauseOf(engineFull: string | null): string | null {
  const m = engineFull ? /\sTTL\s+([\s\S]+?)(?:\s+SETTINGS\s[\s\S]*)?$/.exec(engineFull) : null;
  return m ? m[1]!.trim() : null;
}

export function ttlCarryOver(r: TableRebuild, ctx: TemplateContext, ttl: string): string {
  const onCluster = ctx.cluster !== null ? ` ON CLUSTER ${ctx.cluster}` : '';
  return `ALTER TABLE ${rebuildNames(r, ctx).target}${onCluster} MODIFY TTL ${ttl}`;
}

async function engineOf(client: ClickHouseClient, database: string, table: string): Promise<string | null> {
  const rows = await systemTablesRead(`reading the engine of ${table}`, () =>
    client
      .query({
        query: `SELECT engine_full FROM system.tables WHERE database = '${database}' AND name = '${bare(table)}'`,
        format: 'JSONEachRow',
      })
      .then((result) => result.json<{ engine_full: string }>()),
  );
  return rows[0]?.engine_full ?? null;
}

/** Finish attempts before giving up: concurrent runners re-creating the same views can fail each other's copy. */
const FINISH_ATTEMPTS = 6;

/**
 * The finish, again from the server's state after a failure: every step is idempotent, and concurrent
 * runners interfere (one drops the view while another's copy is feeding it: UNKNOWN_TABLE; 18.16's
 * system.tables fails on a table being dropped). Done as soon as the old table is gone: the runner that
 * dropped it did so after its own complete copy.
 */
async function finishWithRetries(
  client: ClickHouseClient,
  r: TableRebuild,
  ctx: TemplateContext,
  execute: (statement: string) => Promise<void>,
): Promise<void> {
  const n = rebuildNames(r, ctx);
  for (let attempt = 1; ; attempt++) {
    try {
      const statements = finishStatements(r, ctx);
      const [drop] = statements.splice(-1, 1) as [string];
      const copy = statements.pop()!;
      for (const statement of statements) await execute(statement);
      // A retention the operator set on the old table (infra/bin/retention: MODIFY TTL) carries over.
      const ttl = ttlClauseOf(await engineOf(client, ctx.database, n.previous));
      if (ttl !== null) await execute(ttlCarryOver(r, ctx, ttl));
      await execute(copy);
      await execute(drop);
      return;
    } catch (err) {
      const state = await readState(client, ctx.database, n).catch(() => null);
      if (state !== null && rebuildPhase(r, ctx, state) === 'done') return;
      if (attempt >= FINISH_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.floor(Math.random() * 100)));
    }
  }
}

async function readState(client: ClickHouseClient, database: string, n: RebuildNames): Promise<RebuildState> {
  const names = [n.target, n.replacement, n.previous].map((q) => `'${bare(q)}'`).join(', ');
  const rows = await systemTablesRead(`reading the state of ${n.target}'s rebuild`, () =>
    client
      .query({
        query: `SELECT name, sorting_key FROM system.tables WHERE database = '${database}' AND name IN (${names})`,
        format: 'JSONEachRow',
      })
      .then((result) => result.json<{ name: string; sorting_key: string }>()),
  );
  return new Map(rows.map((row) => [row.name, row.sorting_key]));
}

/**
 * A read of system.tables, tried again a few times: on 18.16 it fails (UNKNOWN_TABLE) while another
 * runner drops a table or view of the database.
 */
async function systemTablesRead<T>(what: string, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= FINISH_ATTEMPTS) throw toStoreError('MIGRATION_FAILED', `${what} failed`, err);
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.floor(Math.random() * 50)));
    }
  }
}

function invalid(message: string): ClickHouseStoreError {
  return new ClickHouseStoreError('MIGRATION_INVALID', message, { retriable: false });
}
