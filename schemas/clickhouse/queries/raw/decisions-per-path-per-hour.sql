-- From the raw table (exact, slow at fleet scale): decisions per policy path per hour, over the whole
-- hours from the one holding `from` to before `to`.
SELECT
  toStartOfHour(decided_at) AS hour,
  ifNull(path, '') AS policy_path,
  uniqExact(decision_id) AS decisions,
  uniqExact(instance_id) AS instances,
  uniqExactIf(decision_id, error_json IS NOT NULL) AS errors
FROM decisions
WHERE decided_at >= toStartOfHour(toDateTime({from:DateTime})) AND toStartOfHour(decided_at) < {to:DateTime}
GROUP BY hour, policy_path
ORDER BY hour, decisions DESC, policy_path
