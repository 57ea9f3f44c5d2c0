-- Decisions that ended in an error in the last hour (by decision time), newest first, each once.
-- OPA logs the evaluation error as an object {"code", "message", "location"} or, for compile
-- errors, a list of them: code and message are the first error's.
SELECT
  decided_at,
  instance_id,
  ifNull(path, '') AS policy_path,
  decision_id,
  visitParamExtractString(error_json, 'code') AS code,
  visitParamExtractString(error_json, 'message') AS message,
  error_json
FROM decisions
WHERE decided_at >= now() - INTERVAL 1 HOUR AND error_json IS NOT NULL
ORDER BY decided_at_us DESC, decision_id
LIMIT 1 BY decision_id
