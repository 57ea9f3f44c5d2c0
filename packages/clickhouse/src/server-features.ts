// What a ClickHouse server supports, from its version (`SELECT version()`), for the migration
// templates: DDL may differ by server only where the older server lacks a feature.
//
// The thresholds are the releases where each feature became generally usable (not the first
// experimental one): column codecs with Delta/DoubleDelta/Gorilla/T64 and ZSTD levels (19.x had them
// behind changing rules; 20.1 is the first line where all four exist without settings), table TTL with
// `ALTER TABLE ... MODIFY TTL` (19.6; `REMOVE TTL` came in 20.x, which `ttl` therefore also needs), and
// LowCardinality without `allow_experimental_low_cardinality_type` (19.0). 18.16, the development server,
// has none of them.
import { ClickHouseStoreError } from './clickhouse-error';

export type ServerFeature = 'codecs' | 'ttl' | 'low_cardinality';
export type ServerFeatures = Readonly<Record<ServerFeature, boolean>>;

/** 18.16's set, and what the templates assume when no version is given. */
export const LEGACY_FEATURES: ServerFeatures = { codecs: false, ttl: false, low_cardinality: false };

const SINCE: Record<ServerFeature, readonly [number, number]> = {
  codecs: [20, 1],
  ttl: [20, 3],
  low_cardinality: [19, 1],
};

/** `20.3.1.1` -> [20, 3]; refuses anything that does not start with two numbers. */
export function parseServerVersion(version: string): readonly [number, number] {
  const m = /^\s*(\d+)\.(\d+)/.exec(version);
  if (!m) {
    throw new ClickHouseStoreError(
      'MIGRATION_FAILED',
      `cannot read a ClickHouse version from ${JSON.stringify(version)}`,
      {
        retriable: false,
      },
    );
  }
  return [Number(m[1]), Number(m[2])];
}

export function serverFeatures(version: string): ServerFeatures {
  const [major, minor] = parseServerVersion(version);
  const atLeast = ([a, b]: readonly [number, number]) => major > a || (major === a && minor >= b);
  return {
    codecs: atLeast(SINCE.codecs),
    ttl: atLeast(SINCE.ttl),
    low_cardinality: atLeast(SINCE.low_cardinality),
  };
}

/** `codecs,ttl` (sorted; `none` when empty): how a rendering is recorded in schema_migrations. */
export function featureList(features: ServerFeatures): string {
  const on = (Object.keys(features) as ServerFeature[]).filter((f) => features[f]).sort();
  return on.length > 0 ? on.join(',') : 'none';
}
