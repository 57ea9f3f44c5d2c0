-- From the raw table (reads every granule of the day: the errors are spread over all of them): decisions
-- that ended in an error in the last hour, newest first, each once.
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
