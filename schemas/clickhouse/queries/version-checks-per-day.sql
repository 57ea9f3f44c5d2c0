-- GitHub-style version checks (OPA 1.7 and later) per day over the last 30 days: checks answered, how
-- many were told a release (not 503 for want of one) and how many revalidated with a 304.
SELECT
  toDate(received_at) AS day,
  uniqExact(event_id) AS checks,
  uniqExactIf(event_id, answered_tag IS NOT NULL) AS answered,
  uniqExactIf(event_id, not_modified = 1) AS not_modified
FROM version_checks
WHERE toDate(received_at) >= today() - 30
GROUP BY day
ORDER BY day
