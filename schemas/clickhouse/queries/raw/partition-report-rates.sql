-- From the raw table (exact, slow at fleet scale): status partitions and their report rates.
SELECT
  partition,
  uniqExact(event_id) AS reports,
  uniqExact(instance_id) AS instances,
  reports / 3600 AS reports_per_second
FROM status_reports
WHERE received_at >= toStartOfMinute(now() - INTERVAL 1 HOUR)
GROUP BY partition
ORDER BY reports DESC, partition
