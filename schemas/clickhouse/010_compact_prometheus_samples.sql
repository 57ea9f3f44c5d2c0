-- Compact storage for prometheus_samples (about 97% of the rows of a real OPA status update) on servers
-- with codecs and LowCardinality; nothing on 18.16, which has neither: the statement is left out there,
-- and the runner applies it on its next start once the server has been upgraded (migrations.ts).
--
-- Codecs chosen by measurement (test/bench/loader-storage.bench.ts, bytes per sample per column, against
-- ZSTD alone at levels 3/9/15, Delta, DoubleDelta, Gorilla, T64 and FPC on the real OPA v1.22.3 shape):
-- - times and values: Delta then ZSTD. The rows are sorted by (name, instance_id, received_at, ...), so one
--   instance's samples of one name follow each other in time; Delta keeps the output byte-aligned, so ZSTD
--   still finds the runs that repeat under every sample name (DoubleDelta and Gorilla are bit-packed and
--   lost those: 2x the bytes of Delta for received_at_us here);
-- - event_id, instance_id, label_values: ZSTD (entropy-codes the hex of the ids, where 18.16's LZ4 cannot);
--   label_values at level 9, whose larger window finds the previous name's label runs (6x smaller than at 3);
-- - family, type, name, partition and label names have a few hundred distinct values: LowCardinality.
-- The sort key stays: ClickHouse cannot change a table's ORDER BY in place (schemas/clickhouse/README.md,
-- "Storage").
-- On an existing install, the String -> LowCardinality columns are rewritten once (a mutation, in the
-- background); codec changes apply to new parts, and to old ones as they merge (OPTIMIZE TABLE ... FINAL
-- rewrites a partition at once).
{{requires codecs low_cardinality}} ALTER TABLE {{local prometheus_samples}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS event_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS seq UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at DateTime('UTC') CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at_us UInt64 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS instance_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS family LowCardinality(String),
  MODIFY COLUMN IF EXISTS type LowCardinality(String),
  MODIFY COLUMN IF EXISTS name LowCardinality(String),
  MODIFY COLUMN IF EXISTS label_names Array(LowCardinality(String)),
  MODIFY COLUMN IF EXISTS label_values Array(String) CODEC(ZSTD(9)),
  MODIFY COLUMN IF EXISTS value Float64 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS timestamp_ms Nullable(Int64) CODEC(Delta, ZSTD(3));

-- The Distributed table in front (cluster mode) declares the same types, so inserts and reads through
-- it carry LowCardinality without a conversion (codecs belong to the stored parts only).
{{requires codecs low_cardinality cluster}} ALTER TABLE {{table prometheus_samples}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS family LowCardinality(String),
  MODIFY COLUMN IF EXISTS type LowCardinality(String),
  MODIFY COLUMN IF EXISTS name LowCardinality(String),
  MODIFY COLUMN IF EXISTS label_names Array(LowCardinality(String));
