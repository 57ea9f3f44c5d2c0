-- Compact storage for bundles and plugins (a few rows per report)
-- on servers with codecs and LowCardinality; nothing on 18.16 (see 010_compact_prometheus_samples.sql for
-- how an install gets them, and after a server upgrade). Strings compress with ZSTD (18.16 has only LZ4),
-- times with Delta (byte-aligned, so ZSTD still finds repeats), names with a few hundred distinct values
-- as LowCardinality. The Distributed table in front (cluster mode) gets the same types.
{{requires codecs low_cardinality}} ALTER TABLE {{local bundles}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS event_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS seq UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at DateTime('UTC') CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at_us UInt64 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS instance_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS kind LowCardinality(String),
  MODIFY COLUMN IF EXISTS name LowCardinality(String),
  MODIFY COLUMN IF EXISTS active_revision Nullable(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS last_successful_download Nullable(DateTime('UTC')) CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS last_successful_activation Nullable(DateTime('UTC')) CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS last_request Nullable(DateTime('UTC')) CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS last_successful_request Nullable(DateTime('UTC')) CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS type LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS size Nullable(UInt64) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS code LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS message Nullable(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS http_code Nullable(Int32) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS error_codes Array(LowCardinality(String)),
  MODIFY COLUMN IF EXISTS error_messages Array(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS error_files Array(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS error_rows Array(UInt32) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS error_cols Array(UInt32) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS error_details_json Array(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS metric_names Array(LowCardinality(String)),
  MODIFY COLUMN IF EXISTS metric_values Array(Float64) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS extra_json Nullable(String) CODEC(ZSTD(3));

{{requires codecs low_cardinality cluster}} ALTER TABLE {{table bundles}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS kind LowCardinality(String),
  MODIFY COLUMN IF EXISTS name LowCardinality(String),
  MODIFY COLUMN IF EXISTS type LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS code LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS error_codes Array(LowCardinality(String)),
  MODIFY COLUMN IF EXISTS metric_names Array(LowCardinality(String));

{{requires codecs low_cardinality}} ALTER TABLE {{local plugins}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS event_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS seq UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at DateTime('UTC') CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at_us UInt64 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS instance_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS name LowCardinality(String),
  MODIFY COLUMN IF EXISTS state LowCardinality(String),
  MODIFY COLUMN IF EXISTS message Nullable(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS extra_json Nullable(String) CODEC(ZSTD(3));

{{requires codecs low_cardinality cluster}} ALTER TABLE {{table plugins}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS name LowCardinality(String),
  MODIFY COLUMN IF EXISTS state LowCardinality(String);
