-- Decisions per policy path over the last hour (by decision time, in whole minutes: from the start of
-- the minute an hour ago): each decision once (a chunk OPA uploaded again counts once), the instances
-- that made them, and how many ended in an error, from the decisions_per_minute_hll pre-aggregate.
-- Ad-hoc queries (no path) are grouped under ''. Each count exact up to 100; above, a HyperLogLog
-- estimate (uniqHLL12: within about 1.5% on average, 5% at worst; see
-- schemas/clickhouse/022_sketch_preaggregates.sql).
SELECT
  policy_path,
  if(uniqUpToMerge(100)(decisions_small) <= 100, uniqUpToMerge(100)(decisions_small), uniqHLL12Merge(decisions_hll))
    AS decisions,
  if(uniqUpToMerge(100)(instances_small) <= 100, uniqUpToMerge(100)(instances_small), uniqHLL12Merge(instances_hll))
    AS instances,
  if(uniqUpToIfMerge(100)(errors_small) <= 100, uniqUpToIfMerge(100)(errors_small), uniqHLL12IfMerge(errors_hll))
    AS errors
FROM decisions_per_minute_hll
WHERE minute >= toStartOfMinute(now() - INTERVAL 1 HOUR)
GROUP BY policy_path
ORDER BY decisions DESC, policy_path
