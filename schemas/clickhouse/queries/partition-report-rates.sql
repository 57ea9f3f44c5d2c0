-- Status partitions ('' = the default /status endpoint) and their report rates over the last hour
-- (in whole minutes: from the start of the minute an hour ago), from the per-minute pre-aggregate.
-- uniq: exact up to 65,536 reports per minute and partition, within about 0.5% above.
SELECT
  partition,
  uniqMerge(reports_state) AS reports,
  uniqMerge(instances_state) AS instances,
  reports / 3600 AS reports_per_second
FROM partition_reports_per_minute
WHERE minute >= toStartOfMinute(now() - INTERVAL 1 HOUR)
GROUP BY partition
ORDER BY reports DESC, partition
