-- Decisions per policy path per hour (UTC, by decision time), over the whole hours from the one holding
-- `from` to the last one starting before `to` (DateTime parameters: 'YYYY-MM-DD hh:mm:ss' or Unix
-- seconds): each decision once (a chunk OPA uploaded again counts once), the instances that made them,
-- and how many ended in an error, from the decisions_per_hour_hll pre-aggregate. Ad-hoc queries (no
-- path) are grouped under ''. Each count exact up to 100; above, a HyperLogLog estimate (uniqHLL12:
-- within about 1.5% on average, 5% at worst; see schemas/clickhouse/022_sketch_preaggregates.sql).
SELECT
  hour,
  policy_path,
  if(uniqUpToMerge(100)(decisions_small) <= 100, uniqUpToMerge(100)(decisions_small), uniqHLL12Merge(decisions_hll))
    AS decisions,
  if(uniqUpToMerge(100)(instances_small) <= 100, uniqUpToMerge(100)(instances_small), uniqHLL12Merge(instances_hll))
    AS instances,
  if(uniqUpToIfMerge(100)(errors_small) <= 100, uniqUpToIfMerge(100)(errors_small), uniqHLL12IfMerge(errors_hll))
    AS errors
FROM decisions_per_hour_hll
WHERE hour >= toStartOfHour(toDateTime({from:DateTime})) AND hour < {to:DateTime}
GROUP BY hour, policy_path
ORDER BY hour, decisions DESC, policy_path
