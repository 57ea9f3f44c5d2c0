-- Instances whose bundles (incl. discovery) failed to activate in the last hour, with the error:
-- the most recent failing report of each instance and bundle.
SELECT instance_id, kind, name, received_at, code, http_code, message, error_codes, error_messages
FROM bundles
WHERE received_at >= now() - INTERVAL 1 HOUR AND code IS NOT NULL
ORDER BY instance_id, kind, name, received_at_us DESC
LIMIT 1 BY instance_id, kind, name
