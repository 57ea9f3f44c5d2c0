-- Active instances per OPA version per day (last 30 days), from version reports, read from the
-- daily_version_instances pre-aggregate; a leading `v` is dropped, so `v0.19.2` and `0.19.2` are one
-- version. uniq: exact up to 65,536 instances per day and version, within about 0.5% above.
SELECT day, version, uniqMerge(instances_state) AS instances
FROM daily_version_instances
WHERE day >= today() - 30
GROUP BY day, version
ORDER BY day, version
