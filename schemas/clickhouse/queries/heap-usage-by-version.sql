-- Heap usage distribution by version (leading `v` dropped: `v0.19.2` = `0.19.2`): each instance's
-- latest heap_usage_bytes (last 24 h).
SELECT
  version,
  count() AS instances,
  quantilesExact(0.5, 0.9, 0.99)(heap) AS heap_p50_p90_p99,
  max(heap) AS heap_max
FROM
(
  SELECT
    instance_id,
    replaceRegexpOne(argMax(version, received_at_us), '^v', '') AS version,
    argMax(heap_usage_bytes, received_at_us) AS heap
  FROM version_reports
  WHERE received_at >= now() - INTERVAL 1 DAY
  GROUP BY instance_id
)
GROUP BY version
ORDER BY version
