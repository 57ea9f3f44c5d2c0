-- One row per GitHub-style version check (GET /repos/{owner}/{repo}/releases/latest, what OPA 1.7 and
-- later ask instead of POST /v1/version), from the version-checks topic. Anonymous by design: OPA sends
-- no instance id, so a check can be counted, not attributed.
-- ReplacingMergeTree: a redelivered check (same event_id) collapses; queries count uniqExact(event_id).
CREATE TABLE IF NOT EXISTS {{local version_checks}} {{on_cluster}}
(
  event_id String,
  received_at DateTime('UTC'),
  received_at_us UInt64,
  gateway_id String,
  repository String,
  endpoint String,
  user_agent Nullable(String),
  answered_tag Nullable(String),
  not_modified UInt8
)
ENGINE = {{replacing_merge_tree version_checks}}
PARTITION BY toYYYYMM(received_at)
ORDER BY (toDate(received_at), repository, event_id);

{{distributed version_checks cityHash64(event_id)}};
