-- One row per status report, with the decision-log upload state and summary counts.
-- Sorted by instance then time: "latest status of one instance" reads one key range.
CREATE TABLE IF NOT EXISTS {{local status_reports}} {{on_cluster}}
(
  event_id String,
  seq UInt32,
  received_at DateTime('UTC'),
  received_at_us UInt64,
  instance_id String,
  partition String,
  gateway_id String,
  version String,
  label_names Array(String),
  label_values Array(String),
  user_agent Nullable(String),
  agent Nullable(String),
  agent_version Nullable(String),
  os Nullable(String),
  arch Nullable(String),
  bundle_count UInt32,
  bundle_error_count UInt32,
  plugin_count UInt32,
  plugin_not_ok_count UInt32,
  sample_count UInt32,
  decision_logs_code Nullable(String),
  decision_logs_message Nullable(String),
  decision_logs_http_code Nullable(Int32),
  decision_logs_extra_json Nullable(String),
  other_metrics_json Nullable(String),
  extra_json Nullable(String)
)
ENGINE = {{replacing_merge_tree status_reports}}
PARTITION BY toYYYYMM(received_at)
ORDER BY (instance_id, received_at, event_id, seq);

{{distributed status_reports cityHash64(instance_id)}};
