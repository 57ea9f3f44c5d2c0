-- Status partitions ('' = the default /status endpoint) and their report rates over the last hour.
SELECT
  partition,
  uniqExact(event_id) AS reports,
  uniqExact(instance_id) AS instances,
  reports / 3600 AS reports_per_second
FROM status_reports
WHERE received_at >= now() - INTERVAL 1 HOUR
GROUP BY partition
ORDER BY reports DESC, partition
