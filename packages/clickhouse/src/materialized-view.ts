// Reads a rendered `CREATE MATERIALIZED VIEW ... TO target AS SELECT ... FROM source ...` statement: what a
// backfill of its target runs (backfill.ts, and a table rebuild's re-created views, table-rebuild.ts), so
// neither can drift from the view. In cluster mode the view reads and writes the `_local` tables of its
// shard; the backfill reads and writes the Distributed tables in front of them instead (the target's
// sharding key puts each state on the shard its rows live on), so one run from any node covers every shard.
import { ClickHouseStoreError } from './clickhouse-error';
import type { TemplateContext } from './migration-template';

export interface ViewSelect {
  view: string;
  /** Where its states go (the Distributed table in cluster mode). */
  target: string;
  /** Where its rows come from (the Distributed table in cluster mode). */
  source: string;
  /** The view's SELECT, reading `source`. */
  select: string;
}

const MATERIALIZED_VIEW =
  /^CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\S+)(?:\s+ON\s+CLUSTER\s+\S+)?\s+TO\s+(\S+)\s+AS\s+(SELECT\b[\s\S]*)$/i;

/** The name queries use for a table a view names (`db.x_local` -> `db.x` in cluster mode). */
export function distributedName(name: string, ctx: TemplateContext): string {
  return ctx.cluster === null ? name : name.replace(new RegExp(`^(${ctx.database}\\.\\w+)_local$`), '$1');
}

/** The view's SELECT over the Distributed tables, or null when `statement` creates no materialized view. */
export function viewSelectOf(statement: string, ctx: TemplateContext): ViewSelect | null {
  const view = MATERIALIZED_VIEW.exec(statement);
  if (!view) return null;
  const localSelect = view[3]!;
  const from = /\bFROM\s+(\S+)/i.exec(localSelect);
  if (!from) {
    throw new ClickHouseStoreError('MIGRATION_INVALID', `materialized view ${view[1]} has no FROM`, {
      retriable: false,
    });
  }
  const source = distributedName(from[1]!, ctx);
  return {
    view: view[1]!,
    target: distributedName(view[2]!, ctx),
    source,
    select: localSelect.replace(from[0], `FROM ${source}`),
  };
}
