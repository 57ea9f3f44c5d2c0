-- Pre-aggregates of version checks and decisions (see 015 for why every state is idempotent:
-- redelivery, a re-uploaded decision chunk and an overlapping backfill never count twice).
-- uniq of ids: exact up to 65,536 per group, within about 0.5% above.

-- Version checks per day: distinct checks, those told a release, those revalidated with a 304.
CREATE TABLE IF NOT EXISTS {{local version_checks_daily}} {{on_cluster}}
(
  day Date,
  checks_state AggregateFunction(uniq, String),
  answered_state AggregateFunction(uniqIf, String, UInt8),
  not_modified_state AggregateFunction(uniqIf, String, UInt8)
)
ENGINE = {{aggregating_merge_tree version_checks_daily}}
PARTITION BY toYYYYMM(day)
ORDER BY day;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local version_checks_daily_mv}} {{on_cluster}}
TO {{local version_checks_daily}} AS
SELECT
  toDate(received_at) AS day,
  uniqState(event_id) AS checks_state,
  uniqIfState(event_id, isNotNull(answered_tag)) AS answered_state,
  uniqIfState(event_id, not_modified = 1) AS not_modified_state
FROM {{local version_checks}}
GROUP BY day;

{{distributed version_checks_daily cityHash64(day)}};

-- Decisions per minute (of the decision's time) and policy path ('' for ad-hoc queries): distinct
-- decisions, the instances that made them, the decisions that ended in an error.
CREATE TABLE IF NOT EXISTS {{local decisions_per_minute}} {{on_cluster}}
(
  minute DateTime('UTC'),
  policy_path String,
  decisions_state AggregateFunction(uniq, String),
  instances_state AggregateFunction(uniq, String),
  errors_state AggregateFunction(uniqIf, String, UInt8)
)
ENGINE = {{aggregating_merge_tree decisions_per_minute}}
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, policy_path);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local decisions_per_minute_mv}} {{on_cluster}}
TO {{local decisions_per_minute}} AS
SELECT
  toStartOfMinute(decided_at) AS minute,
  ifNull(path, '') AS policy_path,
  uniqState(decision_id) AS decisions_state,
  uniqState(instance_id) AS instances_state,
  uniqIfState(decision_id, isNotNull(error_json)) AS errors_state
FROM {{local decisions}}
GROUP BY minute, policy_path;

{{distributed decisions_per_minute cityHash64(policy_path)}};
