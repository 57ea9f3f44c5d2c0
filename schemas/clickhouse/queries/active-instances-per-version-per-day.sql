-- Active instances per OPA version per day (last 30 days), from version reports.
SELECT day, version, instances
FROM daily_active_instances
WHERE day >= today() - 30
ORDER BY day, version
