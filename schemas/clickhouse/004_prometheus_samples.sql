-- One row per Prometheus sample of a status report, flattened as in the text exposition
-- (`_bucket` with `le`, quantiles with `quantile`, `_sum`, `_count`). Labels as parallel arrays
-- sorted by name, `le`/`quantile` last.
-- Sorted by sample name then instance: metric questions pick one metric across instances.
CREATE TABLE IF NOT EXISTS {{local prometheus_samples}} {{on_cluster}}
(
  event_id String,
  seq UInt32,
  received_at DateTime('UTC'),
  received_at_us UInt64,
  instance_id String,
  partition String,
  family String,
  type String,
  name String,
  label_names Array(String),
  label_values Array(String),
  value Float64,
  timestamp_ms Nullable(Int64)
)
ENGINE = {{replacing_merge_tree prometheus_samples}}
PARTITION BY toYYYYMM(received_at)
ORDER BY (name, instance_id, received_at, event_id, seq);

{{distributed prometheus_samples cityHash64(instance_id)}};
