-- Instances that stopped reporting: a status update in the last 7 days, but none for the last
-- `silent_minutes` minutes (parameter), with what their latest update said. The 1000 silent longest first.
SELECT instance_id, last_seen, partition, version, bundle_error_count
FROM
(
  SELECT
    instance_id,
    max(received_at) AS last_seen,
    argMax(partition, received_at_us) AS partition,
    argMax(version, received_at_us) AS version,
    argMax(bundle_error_count, received_at_us) AS bundle_error_count
  FROM status_reports
  WHERE received_at >= now() - INTERVAL 7 DAY
  GROUP BY instance_id
)
WHERE last_seen < now() - {silent_minutes:UInt32} * 60
ORDER BY last_seen, instance_id
LIMIT 1000
