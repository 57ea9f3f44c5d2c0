-- Pre-aggregates of status reports (see 015 for why every state is idempotent: redelivery and an
-- overlapping backfill never count twice).

-- The latest status report of every instance, keyed by instance: the whole row of its latest report
-- as one argMax over a tuple (every field from the same report; NULLs kept, not skipped: a nullable
-- field is an is-NULL flag and its value, see 015).
CREATE TABLE IF NOT EXISTS {{local instance_status}} {{on_cluster}}
(
  instance_id String,
  last_report_us AggregateFunction(max, UInt64),
  latest_report AggregateFunction(
    argMax,
    Tuple(
      DateTime('UTC'), String, String, String, UInt32, UInt32, UInt32, UInt32,
      UInt8, String, UInt8, String, Array(String), Array(String)
    ),
    UInt64
  )
)
ENGINE = {{aggregating_merge_tree instance_status}}
ORDER BY instance_id;

-- Tuple fields: received_at, event_id, partition, version, bundle_count, bundle_error_count,
-- plugin_count, plugin_not_ok_count, decision_logs_code (is NULL, value), decision_logs_message (is NULL,
-- value), label_names, label_values.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local instance_status_mv}} {{on_cluster}}
TO {{local instance_status}} AS
SELECT
  instance_id,
  maxState(received_at_us) AS last_report_us,
  argMaxState(
    tuple(
      received_at, event_id, partition, version, bundle_count, bundle_error_count, plugin_count,
      plugin_not_ok_count, isNull(decision_logs_code), ifNull(decision_logs_code, ''),
      isNull(decision_logs_message), ifNull(decision_logs_message, ''), label_names, label_values
    ),
    received_at_us
  ) AS latest_report
FROM {{local status_reports}}
GROUP BY instance_id;

{{distributed instance_status cityHash64(instance_id)}};

-- Status reports and reporting instances per minute and partition: distinct event ids and instance
-- ids (uniq: exact up to 65,536 per minute and partition, within about 0.5% above).
CREATE TABLE IF NOT EXISTS {{local partition_reports_per_minute}} {{on_cluster}}
(
  minute DateTime('UTC'),
  partition String,
  reports_state AggregateFunction(uniq, String),
  instances_state AggregateFunction(uniq, String)
)
ENGINE = {{aggregating_merge_tree partition_reports_per_minute}}
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, partition);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local partition_reports_per_minute_mv}} {{on_cluster}}
TO {{local partition_reports_per_minute}} AS
SELECT
  toStartOfMinute(received_at) AS minute,
  partition,
  uniqState(event_id) AS reports_state,
  uniqState(instance_id) AS instances_state
FROM {{local status_reports}}
GROUP BY minute, partition;

{{distributed partition_reports_per_minute cityHash64(partition)}};
