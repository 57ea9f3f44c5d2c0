-- Instances that stopped reporting: a status update in the last 7 days, but none for the last
-- `silent_minutes` minutes (parameter), with what their latest update said, from the
-- instance_latest_status pre-aggregate (FINAL: each instance's latest report; the 7-day filter keeps
-- exactly the instances whose latest report is that recent). The 1000 silent longest first.
SELECT
  instance_id,
  last_received_at AS last_seen,
  latest_partition AS partition,
  latest_version AS version,
  latest_bundle_error_count AS bundle_error_count
FROM instance_latest_status FINAL
WHERE last_report_us >= (toUInt64(now()) - 7 * 86400) * 1000000
  AND last_received_at < now() - {silent_minutes:UInt32} * 60
ORDER BY last_seen, instance_id
LIMIT 1000
