-- Decisions per policy path over the last hour (by decision time): each decision once (a chunk OPA
-- uploaded again counts once), the instances that made them, and how many ended in an error.
-- Ad-hoc queries (no path) are grouped under ''.
SELECT
  ifNull(path, '') AS policy_path,
  uniqExact(decision_id) AS decisions,
  uniqExact(instance_id) AS instances,
  uniqExactIf(decision_id, error_json IS NOT NULL) AS errors
FROM decisions
WHERE decided_at >= now() - INTERVAL 1 HOUR
GROUP BY policy_path
ORDER BY decisions DESC, policy_path
