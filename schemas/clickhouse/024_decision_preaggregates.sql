-- Pre-aggregates of decisions for the questions over long ranges and lookups by id, which read the raw
-- decisions table (009) whole at a fleet's size. The counts are sketches, as in 022 (exact up to 100,
-- uniqHLL12 above); every state is idempotent (015): a re-uploaded chunk, a redelivery or an
-- overlapping backfill never counts twice.

-- Decisions per hour (of the decision's time) and policy path ('' for ad-hoc queries): distinct
-- decisions, the instances that made them, the decisions that ended in an error. The same states as
-- decisions_per_minute_hll (022), 60 times fewer rows: a month of a fleet's paths merges in well
-- under a second.
CREATE TABLE IF NOT EXISTS {{local decisions_per_hour_hll}} {{on_cluster}}
(
  hour DateTime('UTC'),
  policy_path String,
  decisions_small AggregateFunction(uniqUpTo(100), String),
  decisions_hll AggregateFunction(uniqHLL12, String),
  instances_small AggregateFunction(uniqUpTo(100), String),
  instances_hll AggregateFunction(uniqHLL12, String),
  errors_small AggregateFunction(uniqUpToIf(100), String, UInt8),
  errors_hll AggregateFunction(uniqHLL12If, String, UInt8)
)
ENGINE = {{aggregating_merge_tree decisions_per_hour_hll}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, policy_path);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local decisions_per_hour_hll_mv}} {{on_cluster}}
TO {{local decisions_per_hour_hll}} AS
SELECT
  toStartOfHour(decided_at) AS hour,
  ifNull(path, '') AS policy_path,
  uniqUpToState(100)(decision_id) AS decisions_small,
  uniqHLL12State(decision_id) AS decisions_hll,
  uniqUpToState(100)(instance_id) AS instances_small,
  uniqHLL12State(instance_id) AS instances_hll,
  uniqUpToIfState(100)(decision_id, isNotNull(error_json)) AS errors_small,
  uniqHLL12IfState(decision_id, isNotNull(error_json)) AS errors_hll
FROM {{local decisions}}
GROUP BY hour, policy_path;

{{distributed decisions_per_hour_hll cityHash64(policy_path)}};

-- Decisions per hour, policy path and bundle revision, with the verdict: what
-- decisions-allow-share-per-path-and-revision reports (see that query for the rules: one row per bundle
-- the decision was made with, '' and the deprecated `revision` without bundles; allow/deny from the
-- result `true`/`false` or its first `allow` field, other for anything else). The verdict is named
-- inside the first state that needs it, so the view's columns are exactly the table's.
CREATE TABLE IF NOT EXISTS {{local decision_verdicts_hourly}} {{on_cluster}}
(
  hour DateTime('UTC'),
  policy_path String,
  bundle String,
  bundle_revision String,
  decisions_small AggregateFunction(uniqUpTo(100), String),
  decisions_hll AggregateFunction(uniqHLL12, String),
  allowed_small AggregateFunction(uniqUpToIf(100), String, UInt8),
  allowed_hll AggregateFunction(uniqHLL12If, String, UInt8),
  denied_small AggregateFunction(uniqUpToIf(100), String, UInt8),
  denied_hll AggregateFunction(uniqHLL12If, String, UInt8),
  other_small AggregateFunction(uniqUpToIf(100), String, UInt8),
  other_hll AggregateFunction(uniqHLL12If, String, UInt8)
)
ENGINE = {{aggregating_merge_tree decision_verdicts_hourly}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, policy_path, bundle, bundle_revision);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local decision_verdicts_hourly_mv}} {{on_cluster}}
TO {{local decision_verdicts_hourly}} AS
SELECT
  toStartOfHour(decided_at) AS hour,
  ifNull(path, '') AS policy_path,
  bundle,
  bundle_revision,
  uniqUpToState(100)(decision_id) AS decisions_small,
  uniqHLL12State(decision_id) AS decisions_hll,
  uniqUpToIfState(100)(
    decision_id,
    (multiIf(
      (if(
        startsWith(ifNull(result_json, '') AS result_text, '{'),
        visitParamExtractRaw(result_text, 'allow'),
        result_text
      ) AS allow_value) = 'true', 'allow',
      allow_value = 'false', 'deny',
      'other'
    ) AS verdict) = 'allow'
  ) AS allowed_small,
  uniqHLL12IfState(decision_id, verdict = 'allow') AS allowed_hll,
  uniqUpToIfState(100)(decision_id, verdict = 'deny') AS denied_small,
  uniqHLL12IfState(decision_id, verdict = 'deny') AS denied_hll,
  uniqUpToIfState(100)(decision_id, verdict = 'other') AS other_small,
  uniqHLL12IfState(decision_id, verdict = 'other') AS other_hll
FROM {{local decisions}}
ARRAY JOIN
  if(empty(bundle_names), [''], bundle_names) AS bundle,
  if(empty(bundle_names), [ifNull(revision, '')], bundle_revisions) AS bundle_revision
GROUP BY hour, policy_path, bundle, bundle_revision;

{{distributed decision_verdicts_hourly cityHash64(policy_path)}};

-- Where a decision is: decision_id -> the prefix of the decisions table's sorting key (day of the
-- decision, instance), so decision-by-id reads the few granules of that prefix instead of the whole
-- table. A decision uploaded again has the same day and instance: the repeats collapse.
CREATE TABLE IF NOT EXISTS {{local decision_locations}} {{on_cluster}}
(
  decision_id String,
  day Date,
  instance_id String
)
ENGINE = {{replacing_merge_tree decision_locations}}
PARTITION BY toYYYYMM(day)
ORDER BY (decision_id, day, instance_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local decision_locations_mv}} {{on_cluster}}
TO {{local decision_locations}} AS
SELECT
  decision_id,
  toDate(decided_at) AS day,
  instance_id
FROM {{local decisions}}
GROUP BY decision_id, day, instance_id;

{{distributed decision_locations cityHash64(instance_id)}};

-- The decisions that ended in an error, sorted by the decision's time: the last hour of them is a few
-- granules here, while in decisions (sorted by day, then instance) it is every granule of the day, the
-- errors being spread over all of them. A decision uploaded again collapses with its copy, as there.
CREATE TABLE IF NOT EXISTS {{local decision_errors}} {{on_cluster}}
(
  decided_at DateTime('UTC'),
  decided_at_us UInt64,
  instance_id String,
  decision_id String,
  policy_path String,
  -- Never NULL here (only failed decisions), Nullable as in decisions: the view copies it as it is.
  error_json Nullable(String)
)
ENGINE = {{replacing_merge_tree decision_errors}}
PARTITION BY toYYYYMM(decided_at)
ORDER BY (decided_at, instance_id, decision_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local decision_errors_mv}} {{on_cluster}}
TO {{local decision_errors}} AS
SELECT
  decided_at,
  decided_at_us,
  instance_id,
  decision_id,
  ifNull(path, '') AS policy_path,
  error_json
FROM {{local decisions}}
WHERE error_json IS NOT NULL
GROUP BY decided_at, decided_at_us, instance_id, decision_id, policy_path, error_json;

{{distributed decision_errors cityHash64(instance_id)}};
