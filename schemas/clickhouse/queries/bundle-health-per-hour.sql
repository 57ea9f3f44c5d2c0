-- Bundle health per hour over the last 24 hours, per partition and bundle (incl. discovery): the
-- reports and instances that reported the bundle, and how many of them had it failing, from the
-- bundle_health_hourly pre-aggregate (uniq: exact up to 65,536 per group, within about 0.5% above).
SELECT
  hour,
  partition,
  kind,
  name,
  uniqMerge(reports_state) AS reports,
  uniqIfMerge(failed_reports_state) AS failed_reports,
  uniqMerge(instances_state) AS instances,
  uniqIfMerge(failing_instances_state) AS failing_instances
FROM bundle_health_hourly
WHERE hour >= toStartOfHour(now() - INTERVAL 1 DAY)
GROUP BY hour, partition, kind, name
ORDER BY hour, partition, kind, name
