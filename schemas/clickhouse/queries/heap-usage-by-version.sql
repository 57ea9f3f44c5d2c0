-- Heap usage distribution by version (leading `v` dropped: `v0.19.2` = `0.19.2`) over the instances
-- seen in the last 24 h: the heap_usage_bytes of each instance's latest version report (none if that
-- report had none), from the instance_latest_versions pre-aggregate (an instance seen in the last 24 h
-- has its latest row there, so older rows are left out before grouping).
SELECT
  version,
  count() AS instances,
  quantilesExact(0.5, 0.9, 0.99)(heap) AS heap_p50_p90_p99,
  max(heap) AS heap_max
FROM
(
  SELECT
    replaceRegexpOne(argMax(latest_version, last_report_us), '^v', '') AS version,
    if(argMax(heap_is_null, last_report_us), NULL, argMax(heap_bytes, last_report_us)) AS heap
  FROM instance_latest_versions
  WHERE last_report_us >= (toUInt64(now()) - 86400) * 1000000
  GROUP BY instance_id
)
GROUP BY version
ORDER BY version
