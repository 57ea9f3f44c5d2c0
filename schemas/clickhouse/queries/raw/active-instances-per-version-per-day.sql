-- From the raw table (exact, slow at fleet scale): active instances per version per day.
SELECT toDate(received_at) AS day, replaceRegexpOne(version, '^v', '') AS version, uniqExact(instance_id) AS instances
FROM version_reports
WHERE toDate(received_at) >= today() - 30
GROUP BY day, version
ORDER BY day, version
