-- Two sample columns for what real OPA sends in its Prometheus metrics beyond the values (status schema
-- v4; before it they were dropped at the gateway):
-- - unit: the family's client_model unit (`bytes`, `seconds`, `cpu_seconds`, `events`, ...), on every
--   sample of the family; '' when the family sent none, and for rows of reports written before v4;
-- - created_timestamp_us: when the metric's counter, summary or histogram was created (client_model
--   `created_timestamp`; a counter reset shows as a new one), epoch microseconds, on every sample of the
--   metric; NULL when not sent (gauges, older OPA) and for rows of reports written before v4.
--   Int64 microseconds rather than DateTime64: 18.16 has no DateTime64, and one type on both servers keeps
--   the loader's RowBinary and the queries the same (`toDateTime(intDiv(created_timestamp_us, 1000000))`
--   reads it as a time on both); microseconds as every other time in the records (the nanoseconds OPA
--   writes are truncated at the gateway).
--
-- 18.16 has no `ADD COLUMN IF NOT EXISTS`: each ALTER adds one column, and the runner takes "column already
-- exists" (code 44) as done (migrations.ts), which makes a rerun, or two runners at once, harmless.
-- ADD COLUMN is a metadata change (old parts read the default); 018's view names its columns and is not
-- affected. In cluster mode the local tables and the Distributed table in front both get the columns.
ALTER TABLE {{local prometheus_samples}} {{on_cluster}}
  ADD COLUMN unit {{low_cardinality String}} {{codec ZSTD(3)}};

ALTER TABLE {{local prometheus_samples}} {{on_cluster}}
  ADD COLUMN created_timestamp_us Nullable(Int64) {{codec Delta, ZSTD(3)}};

-- An install that applied this file on 18.16 and then moved to a current server (the runner applies it
-- again then; the ADD COLUMNs above are then done already) gets the same columns as a new one.
{{requires codecs low_cardinality}} ALTER TABLE {{local prometheus_samples}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS unit LowCardinality(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS created_timestamp_us Nullable(Int64) CODEC(Delta, ZSTD(3));

-- In cluster mode the Distributed table in front gets the columns by being created again over the local
-- table: 18.16 refuses ALTER ... ON CLUSTER of a table that is not replicated on a cluster whose shards are
-- (code 371, "isn't replicated, but shard #1 is replicated according to its cluster definition"). A
-- Distributed table holds no rows (the loaders insert synchronously, insert_distributed_sync), so dropping
-- it loses nothing; an insert in the moment between fails and is retried, uncommitted, by its loader.
{{requires cluster}} DROP TABLE IF EXISTS {{table prometheus_samples}} {{on_cluster}};

{{distributed prometheus_samples cityHash64(instance_id)}};
