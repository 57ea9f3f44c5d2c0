-- Compact storage for status_reports (one row per report)
-- on servers with codecs and LowCardinality; nothing on 18.16 (see 010_compact_prometheus_samples.sql for
-- how an install gets them, and after a server upgrade). Strings compress with ZSTD (18.16 has only LZ4),
-- times with Delta (byte-aligned, so ZSTD still finds repeats), names with a few hundred distinct values
-- as LowCardinality. The Distributed table in front (cluster mode) gets the same types.
{{requires codecs low_cardinality}} ALTER TABLE {{local status_reports}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS event_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS seq UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at DateTime('UTC') CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at_us UInt64 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS instance_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS gateway_id LowCardinality(String),
  MODIFY COLUMN IF EXISTS version LowCardinality(String),
  MODIFY COLUMN IF EXISTS label_names Array(LowCardinality(String)),
  MODIFY COLUMN IF EXISTS label_values Array(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS user_agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent_version LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS os LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS arch LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS bundle_count UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS bundle_error_count UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS plugin_count UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS plugin_not_ok_count UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS sample_count UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS decision_logs_code LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS decision_logs_message Nullable(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS decision_logs_http_code Nullable(Int32) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS decision_logs_extra_json Nullable(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS other_metrics_json Nullable(String) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS extra_json Nullable(String) CODEC(ZSTD(3));

{{requires codecs low_cardinality cluster}} ALTER TABLE {{table status_reports}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS partition LowCardinality(String),
  MODIFY COLUMN IF EXISTS gateway_id LowCardinality(String),
  MODIFY COLUMN IF EXISTS version LowCardinality(String),
  MODIFY COLUMN IF EXISTS label_names Array(LowCardinality(String)),
  MODIFY COLUMN IF EXISTS user_agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent_version LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS os LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS arch LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS decision_logs_code LowCardinality(Nullable(String));
