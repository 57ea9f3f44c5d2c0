-- Active instances per OPA version per day (last 30 days), from version reports, read from the
-- daily_version_instances_hll pre-aggregate; a leading `v` is dropped, so `v0.19.2` and `0.19.2` are one
-- version. Exact up to 100 instances per day and version; above, a HyperLogLog estimate (uniqHLL12:
-- within about 1.5% on average, 5% at worst; see schemas/clickhouse/022_sketch_preaggregates.sql).
SELECT
  day,
  version,
  if(uniqUpToMerge(100)(instances_small) <= 100, uniqUpToMerge(100)(instances_small), uniqHLL12Merge(instances_hll))
    AS instances
FROM daily_version_instances_hll
WHERE day >= today() - 30
GROUP BY day, version
ORDER BY day, version
