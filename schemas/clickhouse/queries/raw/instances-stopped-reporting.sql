-- From the raw table (exact, slow at fleet scale): instances with a status update in the last 7 days but none for silent_minutes.
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
