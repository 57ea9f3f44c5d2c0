-- GitHub-style version checks (OPA 1.7 and later) per day over the last 30 days: checks answered, how
-- many were told a release (not 503 for want of one) and how many revalidated with a 304, from the
-- version_checks_daily pre-aggregate (uniq: exact up to 65,536 checks a day, within about 0.5% above).
SELECT
  day,
  uniqMerge(checks_state) AS checks,
  uniqIfMerge(answered_state) AS answered,
  uniqIfMerge(not_modified_state) AS not_modified
FROM version_checks_daily
WHERE day >= today() - 30
GROUP BY day
ORDER BY day
