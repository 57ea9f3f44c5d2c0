-- Heap usage distribution by version (leading `v` dropped: `v0.19.2` = `0.19.2`) over the instances
-- seen in the last 24 h: the heap_usage_bytes of each instance's latest version report (none if that
-- report had none), from the instance_versions pre-aggregate.
SELECT
  version,
  count() AS instances,
  quantilesExact(0.5, 0.9, 0.99)(heap) AS heap_p50_p90_p99,
  max(heap) AS heap_max
FROM
(
  SELECT
    instance_id,
    argMaxMerge(latest_report) AS latest,
    replaceRegexpOne(tupleElement(latest, 1), '^v', '') AS version,
    if(tupleElement(latest, 2), NULL, tupleElement(latest, 3)) AS heap
  FROM instance_versions
  GROUP BY instance_id
  HAVING maxMerge(last_report_us) >= (toUInt64(now()) - 86400) * 1000000
)
GROUP BY version
ORDER BY version
