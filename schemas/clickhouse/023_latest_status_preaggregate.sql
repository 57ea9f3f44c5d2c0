-- Each instance's latest status report in plain columns (the fields the fleet console's "instances
-- that stopped reporting" shows), one row per instance once merged, as 021 does for version reports:
-- instance_status (016) keeps the whole latest row as one argMax over a tuple, which 18.16 reads through
-- its generic path (a Field per value): 1.3 s for 100 k instances at load 7. ReplacingMergeTree by the
-- report's time (a merge keeps the latest row whatever the insert order; read with FINAL, right before
-- merges too); a redelivered report is the same row again.
CREATE TABLE IF NOT EXISTS {{local instance_latest_status}} {{on_cluster}}
(
  instance_id String,
  last_report_us UInt64,
  last_received_at DateTime('UTC'),
  latest_partition String,
  latest_version String,
  latest_bundle_error_count UInt32
)
ENGINE = {{replacing_merge_tree instance_latest_status last_report_us}}
ORDER BY instance_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local instance_latest_status_mv}} {{on_cluster}}
TO {{local instance_latest_status}} AS
SELECT
  instance_id,
  max(received_at_us) AS last_report_us,
  argMax(received_at, received_at_us) AS last_received_at,
  argMax(partition, received_at_us) AS latest_partition,
  argMax(version, received_at_us) AS latest_version,
  argMax(bundle_error_count, received_at_us) AS latest_bundle_error_count
FROM {{local status_reports}}
GROUP BY instance_id;

{{distributed instance_latest_status cityHash64(instance_id)}};
