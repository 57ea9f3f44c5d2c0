-- Compact storage for version_reports and version_checks (one row per version report or check)
-- on servers with codecs and LowCardinality; nothing on 18.16 (see 010_compact_prometheus_samples.sql for
-- how an install gets them, and after a server upgrade). Strings compress with ZSTD (18.16 has only LZ4),
-- times with Delta (byte-aligned, so ZSTD still finds repeats), names with a few hundred distinct values
-- as LowCardinality. The Distributed table in front (cluster mode) gets the same types.
{{requires codecs low_cardinality}} ALTER TABLE {{local version_reports}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS event_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS seq UInt32 CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at DateTime('UTC') CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at_us UInt64 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS gateway_id LowCardinality(String),
  MODIFY COLUMN IF EXISTS instance_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS version LowCardinality(String),
  MODIFY COLUMN IF EXISTS heap_usage_bytes Nullable(UInt64) CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS user_agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent_version LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS os LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS arch LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS extra_json Nullable(String) CODEC(ZSTD(3));

{{requires codecs low_cardinality cluster}} ALTER TABLE {{table version_reports}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS gateway_id LowCardinality(String),
  MODIFY COLUMN IF EXISTS version LowCardinality(String),
  MODIFY COLUMN IF EXISTS user_agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS agent_version LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS os LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS arch LowCardinality(Nullable(String));

{{requires codecs low_cardinality}} ALTER TABLE {{local version_checks}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS event_id String CODEC(ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at DateTime('UTC') CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS received_at_us UInt64 CODEC(Delta, ZSTD(3)),
  MODIFY COLUMN IF EXISTS gateway_id LowCardinality(String),
  MODIFY COLUMN IF EXISTS repository LowCardinality(String),
  MODIFY COLUMN IF EXISTS endpoint LowCardinality(String),
  MODIFY COLUMN IF EXISTS user_agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS answered_tag LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS not_modified UInt8 CODEC(ZSTD(3));

{{requires codecs low_cardinality cluster}} ALTER TABLE {{table version_checks}} {{on_cluster}}
  MODIFY COLUMN IF EXISTS gateway_id LowCardinality(String),
  MODIFY COLUMN IF EXISTS repository LowCardinality(String),
  MODIFY COLUMN IF EXISTS endpoint LowCardinality(String),
  MODIFY COLUMN IF EXISTS user_agent LowCardinality(Nullable(String)),
  MODIFY COLUMN IF EXISTS answered_tag LowCardinality(Nullable(String));
