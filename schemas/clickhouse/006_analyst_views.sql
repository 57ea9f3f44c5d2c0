-- Views for analysts. argMax / uniqExact make them count a redelivered report once without FINAL.

-- The latest status report of every instance.
CREATE VIEW IF NOT EXISTS {{table latest_status}} {{on_cluster}} AS
SELECT
  instance_id,
  max(received_at) AS last_seen,
  argMax(event_id, received_at_us) AS event_id,
  argMax(partition, received_at_us) AS partition,
  argMax(version, received_at_us) AS version,
  argMax(bundle_count, received_at_us) AS bundle_count,
  argMax(bundle_error_count, received_at_us) AS bundle_error_count,
  argMax(plugin_not_ok_count, received_at_us) AS plugin_not_ok_count,
  argMax(decision_logs_code, received_at_us) AS decision_logs_code,
  argMax(decision_logs_message, received_at_us) AS decision_logs_message
FROM {{table status_reports}}
GROUP BY instance_id;

-- Distinct instances that sent a version report, per day and version.
CREATE VIEW IF NOT EXISTS {{table daily_active_instances}} {{on_cluster}} AS
SELECT
  toDate(received_at) AS day,
  version,
  uniqExact(instance_id) AS instances
FROM {{table version_reports}}
GROUP BY day, version;
