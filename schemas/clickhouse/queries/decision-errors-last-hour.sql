-- Decisions that ended in an error in the last hour (by decision time), newest first, each once, from
-- the decision_errors table (sorted by decision time: the last hour is a few granules).
-- OPA logs the evaluation error as an object {"code", "message", "location"} or, for compile
-- errors, a list of them: code and message are the first error's.
SELECT
  decided_at,
  instance_id,
  policy_path,
  decision_id,
  visitParamExtractString(error_json, 'code') AS code,
  visitParamExtractString(error_json, 'message') AS message,
  error_json
FROM decision_errors
WHERE decided_at >= now() - INTERVAL 1 HOUR
ORDER BY decided_at_us DESC, decision_id
LIMIT 1 BY decision_id
