-- The latest status of one instance (parameter instance_id), from the instance_status pre-aggregate
-- (every field from that one report).
SELECT
  tupleElement(latest, 1) AS received_at,
  tupleElement(latest, 2) AS event_id,
  tupleElement(latest, 3) AS partition,
  tupleElement(latest, 4) AS version,
  tupleElement(latest, 5) AS bundle_count,
  tupleElement(latest, 6) AS bundle_error_count,
  tupleElement(latest, 8) AS plugin_not_ok_count,
  if(tupleElement(latest, 9), NULL, tupleElement(latest, 10)) AS decision_logs_code,
  if(tupleElement(latest, 11), NULL, tupleElement(latest, 12)) AS decision_logs_message,
  tupleElement(latest, 13) AS label_names,
  tupleElement(latest, 14) AS label_values
FROM
(
  SELECT argMaxMerge(latest_report) AS latest
  FROM instance_status
  WHERE instance_id = {instance_id:String}
  GROUP BY instance_id
)
