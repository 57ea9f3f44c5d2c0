-- From the raw table (exact, slow at fleet scale): bundle health per hour over the last 24 hours.
SELECT
  toStartOfHour(received_at) AS hour,
  partition,
  kind,
  name,
  uniqExact(event_id) AS reports,
  uniqExactIf(event_id, code IS NOT NULL) AS failed_reports,
  uniqExact(instance_id) AS instances,
  uniqExactIf(instance_id, code IS NOT NULL) AS failing_instances
FROM bundles
WHERE toStartOfHour(received_at) >= toStartOfHour(now() - INTERVAL 1 DAY)
GROUP BY hour, partition, kind, name
ORDER BY hour, partition, kind, name
