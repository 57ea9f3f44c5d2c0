-- Decisions per policy path per hour (UTC, by decision time) in [from, to): each decision once (a
-- chunk OPA uploaded again counts once), the instances that made them, and how many ended in an
-- error. Parameters from and to (DateTime: 'YYYY-MM-DD hh:mm:ss' or Unix seconds). Ad-hoc queries
-- (no path) are grouped under ''.
SELECT
  toStartOfHour(decided_at) AS hour,
  ifNull(path, '') AS policy_path,
  uniqExact(decision_id) AS decisions,
  uniqExact(instance_id) AS instances,
  uniqExactIf(decision_id, error_json IS NOT NULL) AS errors
FROM decisions
WHERE decided_at >= {from:DateTime} AND decided_at < {to:DateTime}
GROUP BY hour, policy_path
ORDER BY hour, decisions DESC, policy_path
