-- Instances that stopped reporting: a status update in the last 7 days, but none for the last
-- `silent_minutes` minutes (parameter), with what their latest update said, from the instance_status
-- pre-aggregate (every field from that one report). The 1000 silent longest first.
SELECT instance_id, last_seen, partition, version, bundle_error_count
FROM
(
  SELECT
    instance_id,
    argMaxMerge(latest_report) AS latest,
    tupleElement(latest, 1) AS last_seen,
    tupleElement(latest, 3) AS partition,
    tupleElement(latest, 4) AS version,
    tupleElement(latest, 6) AS bundle_error_count
  FROM instance_status
  GROUP BY instance_id
  HAVING maxMerge(last_report_us) >= (toUInt64(now()) - 7 * 86400) * 1000000
)
WHERE last_seen < now() - {silent_minutes:UInt32} * 60
ORDER BY last_seen, instance_id
LIMIT 1000
