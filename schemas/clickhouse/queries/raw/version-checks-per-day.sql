-- From the raw table (exact, slow at fleet scale): version checks per day.
SELECT
  toDate(received_at) AS day,
  uniqExact(event_id) AS checks,
  uniqExactIf(event_id, answered_tag IS NOT NULL) AS answered,
  uniqExactIf(event_id, not_modified = 1) AS not_modified
FROM version_checks
WHERE toDate(received_at) >= today() - 30
GROUP BY day
ORDER BY day
