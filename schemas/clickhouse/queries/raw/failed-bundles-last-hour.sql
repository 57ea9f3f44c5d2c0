-- From the raw table (exact): instances whose bundles failed to activate in the last hour.
SELECT instance_id, kind, name, received_at, code, http_code, message, error_codes, error_messages
FROM bundles
WHERE received_at >= now() - INTERVAL 1 HOUR AND code IS NOT NULL
ORDER BY instance_id, kind, name, received_at_us DESC
LIMIT 1 BY instance_id, kind, name
