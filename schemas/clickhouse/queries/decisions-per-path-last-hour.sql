-- Decisions per policy path over the last hour (by decision time, in whole minutes: from the start of
-- the minute an hour ago): each decision once (a chunk OPA uploaded again counts once), the instances
-- that made them, and how many ended in an error, from the decisions_per_minute pre-aggregate.
-- Ad-hoc queries (no path) are grouped under ''.
SELECT
  policy_path,
  uniqMerge(decisions_state) AS decisions,
  uniqMerge(instances_state) AS instances,
  uniqIfMerge(errors_state) AS errors
FROM decisions_per_minute
WHERE minute >= toStartOfMinute(now() - INTERVAL 1 HOUR)
GROUP BY policy_path
ORDER BY decisions DESC, policy_path
