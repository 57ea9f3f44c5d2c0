-- Active instances per OPA version per day (last 30 days), from version reports; the view drops a
-- leading `v`, so `v0.19.2` and `0.19.2` are one version.
SELECT day, version, instances
FROM daily_active_instances
WHERE day >= today() - 30
ORDER BY day, version
