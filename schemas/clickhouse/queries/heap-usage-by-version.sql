-- Heap usage distribution by version (leading `v` dropped: `v0.19.2` = `0.19.2`) over the instances
-- seen in the last 24 h: the heap_usage_bytes of each instance's latest version report (none if that
-- report had none), from the instance_latest_versions pre-aggregate (FINAL keeps each instance's latest
-- row, also before merges; the time filter keeps exactly the instances whose latest report is recent).
SELECT
  version,
  count() AS instances,
  quantilesExact(0.5, 0.9, 0.99)(heap) AS heap_p50_p90_p99,
  max(heap) AS heap_max
FROM
(
  SELECT replaceRegexpOne(latest_version, '^v', '') AS version, if(heap_is_null, NULL, heap_bytes) AS heap
  FROM instance_latest_versions FINAL
  WHERE last_report_us >= (toUInt64(now()) - 86400) * 1000000
)
GROUP BY version
ORDER BY version
