-- One row per decision (decision-log event, POST /logs[/<partition>]), from the decisions topics.
-- OPA sends a refused or unanswered chunk again, and the gateway mints new event ids for it, so the
-- row key is the decision itself: (day of the decision, instance, decision_id). Partitioned by the
-- decision's time, which a resent event keeps, so repeats always share a partition and collapse
-- (ReplacingMergeTree); queries count uniqExact(decision_id).
CREATE TABLE IF NOT EXISTS {{local decisions}} {{on_cluster}}
(
  decision_id String,
  instance_id String,
  decided_at DateTime('UTC'),
  decided_at_us UInt64,
  decided_at_nanos UInt16,
  event_id String,
  received_at DateTime('UTC'),
  received_at_us UInt64,
  gateway_id String,
  partition String,
  user_agent Nullable(String),
  opa_version Nullable(String),
  label_names Array(String),
  label_values Array(String),
  path Nullable(String),
  query Nullable(String),
  input_json Nullable(String),
  result_json Nullable(String),
  mapped_result_json Nullable(String),
  intermediate_results_json Nullable(String),
  nd_builtin_cache_json Nullable(String),
  erased Array(String),
  masked Array(String),
  error_json Nullable(String),
  requested_by Nullable(String),
  req_id Nullable(UInt64),
  trace_id Nullable(String),
  span_id Nullable(String),
  batch_decision_id Nullable(String),
  revision Nullable(String),
  bundle_names Array(String),
  bundle_revisions Array(String),
  metric_names Array(String),
  metric_values Array(Float64),
  request_context_json Nullable(String),
  rule_labels_json Nullable(String),
  custom_json Nullable(String),
  extra_json Nullable(String)
)
ENGINE = {{replacing_merge_tree decisions}}
PARTITION BY toYYYYMM(decided_at)
ORDER BY (toDate(decided_at), instance_id, decision_id);

{{distributed decisions cityHash64(instance_id)}};
