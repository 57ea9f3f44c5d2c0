-- From the raw table (exact): the latest status of one instance (parameter instance_id).
SELECT
  received_at, event_id, partition, version, bundle_count, bundle_error_count, plugin_not_ok_count,
  decision_logs_code, decision_logs_message, label_names, label_values
FROM status_reports
WHERE instance_id = {instance_id:String}
ORDER BY received_at_us DESC
LIMIT 1
