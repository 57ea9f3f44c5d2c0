// Renders schema/clickhouse/NNN_*.sql templates for single-node or cluster mode.
//
// Placeholders (all in double braces):
//   {{on_cluster}}               ''  | ON CLUSTER <cluster>
//   {{table X}}                  <db>.X   the name queries use (the Distributed table in cluster mode)
//   {{local X}}                  <db>.X   | <db>.X_local   where rows are stored
//   {{replacing_merge_tree X}}   ReplacingMergeTree() | ReplicatedReplacingMergeTree('<zk path>', '<replica>')
//   {{replacing_merge_tree X V}} the same with version column V: a merge keeps the row with the largest V
//                                (without one, the last inserted: wrong for a table of latest values that a
//                                backfill of older rows may write after newer ones)
//   {{aggregating_merge_tree X}} AggregatingMergeTree() | ReplicatedAggregatingMergeTree('<zk path>', '<replica>')
//                                (pre-aggregates fed by materialized views; in cluster mode the view
//                                reads {{local source}} and writes {{local X}} on each shard)
//   {{distributed X <sharding expression>}}
//                                a whole statement: nothing in single-node mode; in cluster mode
//                                CREATE TABLE IF NOT EXISTS <db>.X ON CLUSTER c AS <db>.X_local
//                                ENGINE = Distributed(c, <db>, X_local, <sharding expression>)
// Server-feature placeholders (the features come from the server's version, server-features.ts):
//   {{requires F [G ...]}}       at the start of a statement: the statement is left out unless the
//                                server has every feature named (codecs, ttl, low_cardinality, or
//                                `cluster`: cluster mode). How 18.16 gets a no-op where a current
//                                server gets an ALTER.
//   {{codec C1, C2}}             CODEC(C1, C2) | nothing (18.16 has no codecs)
//   {{low_cardinality T}}        LowCardinality(T) | T
// Table rebuilds (a new sorting key: ClickHouse cannot change ORDER BY in place; table-rebuild.ts):
//   {{rebuild X}}                at the start of the CREATE TABLE of X's replacement: the runner creates
//                                it, swaps it in under X's name, copies X's rows over, then drops the old
//                                table, once, guarded by X's sorting key (rendered /* rebuild X */)
//   {{after_rebuild X}}          at the start of a statement run after the swap and before the copy
//                                (re-creating the materialized views that read X; rendered
//                                /* after rebuild X */)
// Statements end with `;` at the end of a line; full-line `--` comments are dropped.
import { ClickHouseStoreError } from './clickhouse-error';
import { LEGACY_FEATURES, type ServerFeature, type ServerFeatures } from './server-features';

export interface TemplateContext {
  database: string;
  cluster: string | null;
  /** With `{database}` and `{table}` filled in here; `{shard}` is left to the server's macros. */
  zookeeperPath: string;
  replicaName: string;
  /** What the target server supports (from `SELECT version()`); without it, 18.16's set: none. */
  features?: ServerFeatures;
}

/** Marks a statement whose `{{requires}}` the server does not meet; such statements are dropped. */
const LEFT_OUT = '\u0000left-out\u0000';

export const DEFAULT_ZOOKEEPER_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
export const DEFAULT_REPLICA_NAME = '{replica}';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function assertIdentifier(kind: string, name: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new ClickHouseStoreError(
      'MIGRATION_INVALID',
      `${kind} ${JSON.stringify(name)} is not a plain identifier`,
      { retriable: false },
    );
  }
}

export function renderStatements(template: string, ctx: TemplateContext): string[] {
  assertIdentifier('database', ctx.database);
  if (ctx.cluster !== null) assertIdentifier('cluster', ctx.cluster);
  const clustered = ctx.cluster !== null;
  const db = ctx.database;
  const localName = (t: string) => (clustered ? `${t}_local` : t);
  const features = ctx.features ?? LEGACY_FEATURES;
  const has = (feature: string): boolean => {
    if (feature === 'cluster') return clustered;
    if (!(feature in features)) throw invalid(`{{requires ${feature}}}: unknown server feature`);
    return features[feature as ServerFeature];
  };
  const mergeTreeEngine = (kind: 'Replacing' | 'Aggregating', t: string, version: string | undefined) => {
    if (version !== undefined) assertIdentifier('version column', version);
    const tail = version === undefined ? '' : `, ${version}`;
    if (!clustered) return `${kind}MergeTree(${version ?? ''})`;
    const path = ctx.zookeeperPath.replaceAll('{database}', db).replaceAll('{table}', localName(t));
    return `Replicated${kind}MergeTree('${quote(path)}', '${quote(ctx.replicaName)}'${tail})`;
  };

  const rendered = template.replace(
    /\{\{\s*([a-z_]+)((?:\s+[^}]+)?)\s*\}\}/g,
    (_m, fn: string, rawArgs: string) => {
      const args = rawArgs.trim();
      const [name, ...rest] = args.split(/\s+/);
      const table = () => {
        if (!name) throw invalid(`{{${fn}}} needs a table name`);
        assertIdentifier('table', name);
        return name;
      };
      switch (fn) {
        case 'on_cluster':
          return clustered ? `ON CLUSTER ${ctx.cluster}` : '';
        case 'table':
          return `${db}.${table()}`;
        case 'local':
          return `${db}.${localName(table())}`;
        case 'replacing_merge_tree':
          if (rest.length > 1)
            throw invalid(`{{replacing_merge_tree ${name}}} takes at most a version column`);
          return mergeTreeEngine('Replacing', table(), rest[0]);
        case 'aggregating_merge_tree':
          if (rest.length > 0) throw invalid(`{{aggregating_merge_tree ${name}}} takes only a table name`);
          return mergeTreeEngine('Aggregating', table(), undefined);
        case 'distributed': {
          const t = table();
          const shardingKey = rest.join(' ');
          if (!shardingKey) throw invalid(`{{distributed ${t}}} needs a sharding expression`);
          if (!clustered) return '';
          return (
            `CREATE TABLE IF NOT EXISTS ${db}.${t} ON CLUSTER ${ctx.cluster} AS ${db}.${localName(t)} ` +
            `ENGINE = Distributed(${ctx.cluster}, ${db}, ${localName(t)}, ${shardingKey})`
          );
        }
        case 'db':
          return db;
        case 'rebuild':
          return `/* rebuild ${table()} */`;
        case 'after_rebuild':
          return `/* after rebuild ${table()} */`;
        case 'requires': {
          const needed = args.split(/\s+/).filter(Boolean);
          if (needed.length === 0) throw invalid('{{requires}} needs at least one feature');
          return needed.every(has) ? '' : LEFT_OUT;
        }
        case 'codec':
          if (!args) throw invalid('{{codec}} needs a codec list');
          return features.codecs ? `CODEC(${args})` : '';
        case 'low_cardinality':
          if (!args) throw invalid('{{low_cardinality}} needs a type');
          return features.low_cardinality ? `LowCardinality(${args})` : args;
        default:
          throw invalid(`unknown placeholder {{${fn}}}`);
      }
    },
  );

  return rendered
    .split(/;\s*$/m)
    .map((chunk) =>
      chunk
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement.length > 0 && !statement.includes(LEFT_OUT));
}

function quote(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll("'", "\\'");
}

function invalid(message: string): ClickHouseStoreError {
  return new ClickHouseStoreError('MIGRATION_INVALID', message, { retriable: false });
}
