-- Pre-aggregates of bundle status (see 015 for why every state is idempotent: redelivery and an
-- overlapping backfill never count twice).

-- Failing bundles per hour: for each instance and bundle that failed in that hour, its latest failure
-- (one argMax over the failing row's fields, all from one report). Only failing rows are kept, so the
-- table stays small however many bundles are healthy.
CREATE TABLE IF NOT EXISTS {{local bundle_failures_hourly}} {{on_cluster}}
(
  hour DateTime('UTC'),
  instance_id String,
  kind String,
  name String,
  last_failure_us AggregateFunction(max, UInt64),
  latest_failure AggregateFunction(
    argMax,
    Tuple(DateTime('UTC'), String, UInt8, Int32, UInt8, String, Array(String), Array(String)),
    UInt64
  )
)
ENGINE = {{aggregating_merge_tree bundle_failures_hourly}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, instance_id, kind, name);

-- Tuple fields: received_at, code (never NULL here), http_code (is NULL, value), message (is NULL, value),
-- error_codes, error_messages (nullable fields as in 015).
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local bundle_failures_hourly_mv}} {{on_cluster}}
TO {{local bundle_failures_hourly}} AS
SELECT
  toStartOfHour(received_at) AS hour,
  instance_id,
  kind,
  name,
  maxState(received_at_us) AS last_failure_us,
  argMaxState(
    tuple(
      received_at, ifNull(code, ''), isNull(http_code), ifNull(http_code, 0), isNull(message), ifNull(message, ''),
      error_codes, error_messages
    ),
    received_at_us
  )
    AS latest_failure
FROM {{local bundles}}
WHERE code IS NOT NULL
GROUP BY hour, instance_id, kind, name;

{{distributed bundle_failures_hourly cityHash64(instance_id)}};

-- Bundle health per hour, partition and bundle: reports and instances that reported the bundle, and
-- those whose report had it failing (uniq of ids: exact up to 65,536, within about 0.5% above).
CREATE TABLE IF NOT EXISTS {{local bundle_health_hourly}} {{on_cluster}}
(
  hour DateTime('UTC'),
  partition String,
  kind String,
  name String,
  reports_state AggregateFunction(uniq, String),
  failed_reports_state AggregateFunction(uniqIf, String, UInt8),
  instances_state AggregateFunction(uniq, String),
  failing_instances_state AggregateFunction(uniqIf, String, UInt8)
)
ENGINE = {{aggregating_merge_tree bundle_health_hourly}}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, partition, kind, name);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local bundle_health_hourly_mv}} {{on_cluster}}
TO {{local bundle_health_hourly}} AS
SELECT
  toStartOfHour(received_at) AS hour,
  partition,
  kind,
  name,
  uniqState(event_id) AS reports_state,
  uniqIfState(event_id, isNotNull(code)) AS failed_reports_state,
  uniqState(instance_id) AS instances_state,
  uniqIfState(instance_id, isNotNull(code)) AS failing_instances_state
FROM {{local bundles}}
GROUP BY hour, partition, kind, name;

{{distributed bundle_health_hourly cityHash64(name)}};
