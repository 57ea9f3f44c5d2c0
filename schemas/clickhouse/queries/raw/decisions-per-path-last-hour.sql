-- From the raw table (exact, slow at fleet scale): decisions per policy path over the last hour.
SELECT
  ifNull(path, '') AS policy_path,
  uniqExact(decision_id) AS decisions,
  uniqExact(instance_id) AS instances,
  uniqExactIf(decision_id, error_json IS NOT NULL) AS errors
FROM decisions
WHERE decided_at >= toStartOfMinute(now() - INTERVAL 1 HOUR)
GROUP BY policy_path
ORDER BY decisions DESC, policy_path
