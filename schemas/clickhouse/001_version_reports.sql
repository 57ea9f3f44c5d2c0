-- One row per version report (POST /v1/version), from the telemetry topic.
-- Sorted by day and version: the analyst questions group instances by version per day.
-- ReplacingMergeTree: a redelivered report (same event_id, seq) collapses into one row.
CREATE TABLE IF NOT EXISTS {{local version_reports}} {{on_cluster}}
(
  event_id String,
  seq UInt32,
  received_at DateTime('UTC'),
  received_at_us UInt64,
  gateway_id String,
  instance_id String,
  version String,
  heap_usage_bytes Nullable(UInt64),
  user_agent Nullable(String),
  agent Nullable(String),
  agent_version Nullable(String),
  os Nullable(String),
  arch Nullable(String),
  extra_json Nullable(String)
)
ENGINE = {{replacing_merge_tree version_reports}}
PARTITION BY toYYYYMM(received_at)
ORDER BY (toDate(received_at), version, instance_id, event_id, seq);

{{distributed version_reports cityHash64(instance_id)}};
