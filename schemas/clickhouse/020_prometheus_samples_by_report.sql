-- prometheus_samples sorted by report: (instance_id, received_at, event_id, seq) instead of by sample name
-- first. One report's ~400 rows now sit together, so its event_id, instance_id, times and label names are
-- runs that compress to almost nothing, on both servers (test/bench/loader-storage.bench.ts: 18.16 9.3 ->
-- 5.2 B per sample, current ClickHouse 6.0 -> 1.6 B with the codecs below). Queries for one metric across
-- the fleet read more of the table (schemas/clickhouse/README.md, "Storage", has the measured cost); the
-- documented ones read the pre-aggregates, and the raw per-instance ones get faster.
--
-- ClickHouse cannot change a table's ORDER BY, so the runner rebuilds it (the rebuild placeholder, table-rebuild.ts):
-- it creates prometheus_samples_rebuild, swaps it in under the name prometheus_samples (one RENAME: the
-- loaders' inserts land in the new table from then on), re-creates 018's materialized view on it (below),
-- copies the old rows over and drops the old table. Guarded by the table's sorting key: a rerun, or a
-- runner that died half-way, finishes or skips it; no row is lost (the old table is dropped after the copy).
--
-- Codecs (current ClickHouse only; 18.16 has none), chosen by measurement on this sort key: value ZSTD(9)
-- (neighbours are different metrics now, so Delta no longer helps: 1.41 B against 1.63 B with Delta,
-- ZSTD(3)); label names and values LowCardinality with ZSTD(9) (each report repeats the same label runs:
-- 0.02-0.03 B); seq Delta (0, 1, 2, ... within a report).
{{rebuild prometheus_samples}} CREATE TABLE IF NOT EXISTS {{local prometheus_samples_rebuild}} {{on_cluster}}
(
  event_id String {{codec ZSTD(3)}},
  seq UInt32 {{codec Delta, ZSTD(3)}},
  received_at DateTime('UTC') {{codec Delta, ZSTD(3)}},
  received_at_us UInt64 {{codec Delta, ZSTD(3)}},
  instance_id String {{codec ZSTD(3)}},
  partition {{low_cardinality String}},
  family {{low_cardinality String}},
  type {{low_cardinality String}},
  name {{low_cardinality String}},
  label_names Array({{low_cardinality String}}) {{codec ZSTD(9)}},
  label_values Array({{low_cardinality String}}) {{codec ZSTD(9)}},
  value Float64 {{codec ZSTD(9)}},
  timestamp_ms Nullable(Int64) {{codec Delta, ZSTD(3)}}
)
ENGINE = {{replacing_merge_tree prometheus_samples_rebuild}}
PARTITION BY toYYYYMM(received_at)
ORDER BY (instance_id, received_at, event_id, seq);

-- 018's view, bound again to the new table (current ClickHouse follows the renamed old one otherwise);
-- the runner then feeds it, with its own SELECT, the rows that arrived between the swap and now (its
-- states are idempotent: argMax, max).
{{after_rebuild prometheus_samples}} DROP TABLE IF EXISTS {{local instance_request_durations_mv}} {{on_cluster}};

{{after_rebuild prometheus_samples}} CREATE MATERIALIZED VIEW IF NOT EXISTS {{local instance_request_durations_mv}} {{on_cluster}}
TO {{local instance_request_durations}} AS
SELECT
  instance_id,
  cityHash64(label_names, label_values) AS series,
  label_values[indexOf(label_names, 'le')] AS le,
  maxState(received_at_us) AS last_sample_us,
  argMaxState(value, received_at_us) AS latest_value
FROM {{local prometheus_samples}}
WHERE name = 'http_request_duration_seconds_bucket'
GROUP BY instance_id, series, le;

-- An install that applied this file on 18.16 and then moved to a current server (the runner applies it
-- again then) has the rebuilt table without codecs: give it the same columns as a new one.
{{requires codecs low_cardinality}} ALTER TABLE {{local prometheus_samples}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS seq UInt32 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS label_names Array(LowCardinality(String)) CODEC(ZSTD(9)),
  MODIFY COLUMN IF EXISTS label_values Array(LowCardinality(String)) CODEC(ZSTD(9)),
  MODIFY COLUMN IF EXISTS value Float64 CODEC(ZSTD(9));

{{requires codecs low_cardinality cluster}} ALTER TABLE {{table prometheus_samples}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS label_values Array(LowCardinality(String));
